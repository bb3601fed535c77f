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
    # The demo page
    "feedback loop demo": "フィードバックループのデモ",
    "A suggestion from the model": "モデルからの提案",
    "Get a new suggestion": "新しい提案を表示",
    "Help us label images": "データのラベル付けにご協力ください",
    "Stats: like-rate per model version, labels gathered": (
        "統計：モデルバージョンごとのいいね率、集まったラベル"
    ),
    "Could not get a suggestion: ": "提案を取得できませんでした：",
    "Model {version} predicts: ": "モデル {version} の予測：",
}


def gettext(text: str) -> str:
    """``text`` in the project's language (as written when the catalogue lacks it)."""
    return CATALOGUE.get(text, text)
