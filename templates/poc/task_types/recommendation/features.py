"""Turn the interaction log into model inputs."""

import numpy as np
import pandas as pd

from . import data


def interaction_matrix(frame: pd.DataFrame) -> np.ndarray:
    """Return a users x items matrix with 1 where the user interacted with the item."""
    matrix = np.zeros((data.N_USERS, data.N_ITEMS))
    matrix[frame[data.USER].to_numpy(), frame[data.ITEM].to_numpy()] = 1.0
    return matrix


def item_similarity(matrix: np.ndarray) -> np.ndarray:
    """Return the cosine similarity of every pair of items (by the users they share)."""
    norms = np.linalg.norm(matrix, axis=0)
    norms[norms == 0] = 1.0
    normalised = matrix / norms
    similarity = normalised.T @ normalised
    np.fill_diagonal(similarity, 0.0)
    return similarity
