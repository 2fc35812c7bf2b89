"""Pods a rollout replaced that the archive no longer holds, dated by what replaced them.

A must-gather taken hours after a rollout holds only the new pods: the old ones are deleted, and their
``Killing`` events expire after about three hours. What stays is the workload's history: the old
ReplicaSet (a Deployment's) or ReplicationController (a DeploymentConfig's) scaled to 0 next to the
revision that replaced it, and the new pods' creation and ``Ready`` times. A pod the access log names
(``<replicaset>-<suffix>``) that belongs to such a scaled-down revision and is gone from the archive was
replaced by that rollout; it went away while the new revision's pods came up, so their times (and the
new revision's creation) are the moments it may have stopped. Read by the rollout rule (K602), whose
errors these are, and by the connection-closed rule (B504), which leaves them to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analyzer.context import Context
from analyzer.lookup import iterrows
from analyzer.rules import common


@dataclass(frozen=True)
class Replacement:
    """One revision scaled to 0 (``old``, a ReplicaSet or ReplicationController row) and the revision that
    replaced it (``new``, scaled up), with the moments the new one's pods were created or became ready."""

    old: pd.Series
    new: pd.Series
    moments: tuple[pd.Timestamp, ...]


def _revision(row: pd.Series) -> tuple[int, pd.Timestamp]:
    """The order of a workload's revisions: its revision number, then its creation (a missing one first)."""
    text = row["revision"]
    number = int(text) if isinstance(text, str) and text.isdigit() else -1
    created = row["created"] if pd.notna(row["created"]) else pd.Timestamp.min.tz_localize("UTC")
    return number, created


def replacements(ctx: Context, namespace: str) -> dict[str, Replacement]:
    """The namespace's revisions scaled to 0, by name, each with the newest scaled-up revision of its workload
    that came after it. Empty where the archive holds no ReplicaSet or ReplicationController."""
    return common.memo(ctx, ("rollout-replacements", namespace), lambda: _replacements(ctx, namespace))


def _replacements(ctx: Context, namespace: str) -> dict[str, Replacement]:
    sets = ctx.snap.frame("replicasets")
    if sets.empty:
        return {}
    mine = sets[(sets["namespace"] == namespace).fillna(False).astype(bool) & sets["owner_name"].notna()]
    if mine.empty:
        return {}
    pods = ctx.snap.frame("pods")
    out: dict[str, Replacement] = {}
    for _, family in mine.groupby(["owner_kind", "owner_name"], sort=False):
        revisions = sorted((row for _, row in iterrows(family)), key=_revision)
        for i, old in enumerate(revisions):
            if pd.isna(old["replicas"]) or int(old["replicas"]) != 0:
                continue
            later = [r for r in revisions[i + 1:] if pd.notna(r["replicas"]) and int(r["replicas"]) > 0]
            if not later:
                continue
            new = later[-1]
            moments = [new["created"]]
            if not pods.empty:
                born = pods[(pods["namespace"] == namespace) & (pods["owner_name"] == new["name"])]
                moments += [*born["created"].tolist(), *born["ready_since"].tolist()]
            out[str(old["name"])] = Replacement(old, new, tuple(sorted(pd.Timestamp(m) for m in moments
                                                                       if pd.notna(m))))
    return out


def replaced_pod(ctx: Context, namespace: str, pod: str) -> Replacement | None:
    """The rollout that replaced ``pod`` (a name the access log gives), when the archive no longer holds it and
    its name is one of a scaled-down revision's (``<revision name>-<suffix>``); None otherwise."""
    found = replacements(ctx, namespace)
    if not found or "-" not in pod or ctx.facts.objects.pod_exists(namespace, pod):
        return None
    return found.get(pod.rsplit("-", 1)[0])
