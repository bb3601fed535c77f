"""The texts of the feedback pages (like button, challenge, demo and stats pages).

Each text is written in English where it is used, wrapped in ``_()`` - in Python and in
the widgets' JavaScript alike - and looked up here. This project speaks Japanese
(``language: ja``): the catalogue maps every English text to its Japanese. (mljourney
renders this module from the project's ``language`` answer.)
"""

from __future__ import annotations

LANGUAGE = "ja"

# English text -> the text shown; a text not listed is shown as written.
CATALOGUE: dict[str, str] = {
    # The like button
    "\U0001f44d Like": "\U0001f44d いいね",
    "\U0001f44e Dislike": "\U0001f44e よくないね",
    "Thanks, you liked this.": "ありがとうございます。いいねを記録しました。",
    "Thanks, you disliked this.": "ありがとうございます。よくないねを記録しました。",
    "Vote retracted.": "投票を取り消しました。",
    "Could not record the vote: ": "投票を記録できませんでした：",
    "network error": "ネットワークエラー",
    # The panel-selection challenge
    "Verify": "確認",
    "Could not load a challenge: ": "認証を読み込めませんでした：",
    "Panel {number} of {total}": "パネル {number}／{total}",
    "Passed. Thank you: your answers help label new images.": (
        "合格です。ありがとうございます。あなたの回答は新しいデータのラベル付けに役立ちます。"
    ),
    "Not quite.": "正しくありません。",
    "Could not check the answer ({detail}).": "回答を確認できませんでした（{detail}）。",
    " Here is a new challenge.": "新しい認証を表示しました。",
    # The challenge's question (feedback/pool.py, one per task type)
    "Select every wine of cultivar {label}": "品種 {label} のワインをすべて選んでください",
    "Select every flower of species {label}": "種 {label} の花をすべて選んでください",
    "Select every tumour that looks normal": "正常に見える腫瘍をすべて選んでください",
    "Select every tumour that looks anomalous": "異常に見える腫瘍をすべて選んでください",
    "Select every search result a judge would grade {grade} of 4": (
        "評価者が4段階中 {grade} と評価する検索結果をすべて選んでください"
    ),
    "Select every item user {user} would pick": (
        "ユーザー {user} が選ぶアイテムをすべて選んでください"
    ),
    "Select every patient whose disease progression is {range}": (
        "病状の進行度が{range}の患者をすべて選んでください"
    ),
    "below {value}": " {value} 未満",
    "between {low} and {high}": " {low} から {high} ",
    "{value} or more": " {value} 以上",
    # The demo page
    "feedback loop demo": "フィードバックループのデモ",
    "A suggestion from the model": "モデルからの提案",
    "Get a new suggestion": "新しい提案を表示",
    "Help us label examples": "データのラベル付けにご協力ください",
    "Stats: like-rate per model version, labels gathered": (
        "統計：モデルバージョンごとのいいね率、集まったラベル"
    ),
    "Could not get a suggestion: ": "提案を取得できませんでした：",
    "Model {version} predicts: ": "モデル {version} の予測：",
    # The stats page
    "feedback stats": "フィードバックの統計",
    "Like-rate per model version": "モデルバージョンごとのいいね率",
    "Like-rate per model version (oldest first)": "モデルバージョンごとのいいね率（古い順）",
    "Chart of the like-rate per model version with 95% intervals. {summary}": (
        "モデルバージョンごとのいいね率と95％区間のグラフ。{summary}"
    ),
    "{count} model versions with votes. Latest, {version}: {rate} liked "
    "({low} to {high}) of {votes} votes.": (
        "投票のあるモデルバージョンは {count} 個。最新の {version}：{votes} 票のうち"
        " {rate} がいいね（{low}〜{high}）。"
    ),
    "No votes yet.": "まだ投票がありません。",
    "Dots: share of active votes that are likes; bars: 95% Wilson score interval; "
    "n: votes. Versions whose intervals do not overlap differ clearly.": (
        "点：有効な投票のうちいいねの割合。棒：95％ Wilson スコア区間。n：投票数。"
        "区間が重ならないバージョンどうしは明確に異なります。"
    ),
    "model version": "モデルバージョン",
    "first prediction (UTC)": "最初の予測（UTC）",
    "predictions": "予測",
    "votes": "投票",
    "likes": "いいね",
    "like-rate": "いいね率",
    "95% interval": "95％区間",
    "No predictions yet.": "まだ予測がありません。",
    "Labels gathered over time": "集まったラベルの推移",
    "Chart of curated labels gathered over time. {summary}": (
        "集まった curated のラベルの推移のグラフ。{summary}"
    ),
    "{total} curated labels in total, {new} in the latest period.": (
        "curated のラベルは合計 {total} 件、直近の期間に {new} 件。"
    ),
    "No labels yet.": "まだラベルがありません。",
    "Line: running total of curated labels (challenge consensus and feedback on "
    "predictions, see docs/feedback-loop.md); bars: labels first seen in each period.": (
        "線：curated のラベルの累計（認証の合意と予測へのフィードバック。docs/feedback-loop.md を"
        "参照）。棒：各期間に初めて現れたラベル。"
    ),
    "Curated labels per period": "期間ごとの curated のラベル",
    "period starting (UTC)": "期間の開始（UTC）",
    "new labels": "新しいラベル",
    "running total": "累計",
    "The challenge so far": "これまでの認証",
    "challenges answered: {answered} (passed: {passed})": (
        "回答された認証：{answered}（合格：{passed}）"
    ),
    "panel votes from visitors who passed: {votes}": "合格した訪問者のパネルへの投票：{votes}",
    "curated labels: {total} ({challenge} from challenge consensus, "
    "{feedback} from feedback on predictions)": (
        "curated のラベル：{total}（認証の合意から {challenge}、"
        "予測へのフィードバックから {feedback}）"
    ),
    "Back to the demo": "デモに戻る",
    # The API's refusals a visitor can meet through the widgets (service.py, shown after
    # "Could not record the vote: " and the like); a malformed request's stay in English
    "rate limit: at most {limit} requests per minute here; slow down": (
        "リクエストが多すぎます：ここでは1分間に {limit} 件までです。少し待ってから"
        "やり直してください"
    ),
    "could not store the prediction; retry": "予測を保存できませんでした。やり直してください",
    "feedback_token expired": "feedback_token の有効期限が切れました",
    "feedback_token does not match this prediction and visitor": (
        "feedback_token がこの予測と訪問者に一致しません"
    ),
    "no such prediction was issued": "この予測は発行されていません",
    "this event_id is still being stored; retry": (
        "この event_id はまだ保存中です。やり直してください"
    ),
    "event_id was already used for a different vote": (
        "この event_id は別の投票にすでに使われています"
    ),
    "could not store the event; retry with the same event_id": (
        "イベントを保存できませんでした。同じ event_id でやり直してください"
    ),
    "unknown, expired or already answered challenge": (
        "この認証は存在しないか、有効期限が切れたか、すでに回答済みです"
    ),
    "selected ids that are not panels of this challenge": (
        "この認証のパネルではない ID が選ばれました"
    ),
    "challenge expired; get a new one": "認証の有効期限が切れました。新しい認証を取得してください",
    "Not quite. Try a new challenge.": "正しくありません。新しい認証をお試しください。",
    # The stats charts (stats.py, drawn by matplotlib in one of CHART_FONTS)
    "Like-rate per model version, 95% Wilson interval": (
        "モデルバージョンごとのいいね率（95％ Wilson スコア区間）"
    ),
    "like-rate (%)": "いいね率（％）",
    "model version (oldest first)": "モデルバージョン（古い順）",
    "no votes yet": "まだ投票がありません",
    "curated labels": "curated のラベル",
    "new in the period": "期間内の新しいラベル",
    "no labels yet": "まだラベルがありません",
    # The time axis's date formats (strftime; %b would print the month in English)
    "%b": "%m月",
    "%b-%d": "%m月%d日",
    "%Y-%b": "%Y年%m月",
    "%Y-%b-%d": "%Y年%m月%d日",
    "%Y-%b-%d %H:%M": "%Y年%m月%d日 %H:%M",
    "%d": "%d日",
}

# Font families the stats charts are drawn in, the first installed wins (stats.py):
# matplotlib's default font has no Japanese glyphs. Debian/Ubuntu: fonts-noto-cjk;
# macOS ships Hiragino Sans; Windows ships Yu Gothic and Meiryo.
CHART_FONTS: tuple[str, ...] = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Source Han Sans JP",
    "IPAexGothic",
    "IPAGothic",
    "TakaoGothic",
    "Hiragino Sans",
    "Yu Gothic",
    "Meiryo",
)


def gettext(text: str) -> str:
    """``text`` in the project's language (as written when the catalogue lacks it)."""
    return CATALOGUE.get(text, text)
