"""Two-sample classifier test: can a classifier tell one set of feature vectors from another?

Cross-validated with whole groups (clips) held out, so that it is judged on music it never saw;
0.5 means it cannot tell them apart, 1.0 that it always can. A small gradient-boosted tree
ensemble (scikit-learn) sees differences in spread and in the joint shape of the features, not
only in their means (a linear classifier would miss a collapsed image whose mean is right).
"""

from __future__ import annotations

import numpy as np

NUM_FOLDS = 5


def _classifier(num_rows: int, seed: int):
    """200 trees of at most 15 leaves; a leaf holds >= 20 rows (fewer for small sets, or no split is possible)."""
    from sklearn.ensemble import HistGradientBoostingClassifier  # heavy import, only when used

    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15,
                                          min_samples_leaf=int(np.clip(num_rows // 20, 2, 20)), l2_regularization=1.0,
                                          early_stopping=False, random_state=seed)


def classifier_accuracy(rows_a: np.ndarray, groups_a: np.ndarray, rows_b: np.ndarray, groups_b: np.ndarray,
                        num_folds: int = NUM_FOLDS, seed: int = 0) -> float:
    """Balanced accuracy of telling `rows_a` `[N, D]` from `rows_b` `[M, D]`, out of fold.

    The groups `[N]` / `[M]` (e.g. clip ids) are split into `num_folds` folds (scikit-learn's
    `GroupKFold`); each fold is predicted by a classifier trained on the others, so a group is
    never seen in training and testing. Balanced accuracy = mean of the two classes' recalls, 0.5
    for indistinguishable sets whatever their sizes. NaN with fewer than 2 groups.
    """
    from sklearn.model_selection import GroupKFold
    from threadpoolctl import threadpool_limits

    rows = np.concatenate([np.asarray(rows_a, dtype=np.float64), np.asarray(rows_b, dtype=np.float64)])
    labels = np.concatenate([np.zeros(len(rows_a), dtype=int), np.ones(len(rows_b), dtype=int)])
    groups = np.concatenate([np.asarray(groups_a), np.asarray(groups_b)])
    num_groups = len(np.unique(groups))
    if num_groups < 2 or len(rows_a) == 0 or len(rows_b) == 0:
        return float("nan")
    predicted = np.empty_like(labels)
    # one thread: the fits are small, and OpenMP threads spin against other jobs on a shared machine
    with threadpool_limits(limits=1):
        for train, test in GroupKFold(n_splits=min(num_folds, num_groups)).split(rows, labels, groups):
            if len(np.unique(labels[train])) < 2:  # a fold holding one class only: guess the other
                predicted[test] = 1 - labels[train][0]
                continue
            predicted[test] = _classifier(len(train), seed).fit(rows[train], labels[train]).predict(rows[test])
    recalls = [np.mean(predicted[labels == k] == k) for k in (0, 1)]
    return float(np.mean(recalls))
