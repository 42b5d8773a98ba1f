"""What a mutation run says: a line per assignment, the survivors with their diffs, a table."""
from autograder.mutation.score import equivalence_reason


def summary(score):
    graded = f"{len(score.outcomes)} of {score.generated} graded" if len(score.outcomes) < score.generated \
        else f"{score.generated} graded"
    return (f"{score.name}: {graded}, {len(score.killed)} killed, {len(score.equivalent)} equivalent, "
            f"{len(score.new_survivors)} new survivors: {score.percent:.0f}% of the non-equivalent killed")


def survivors(score, diffs=True):
    """Each survivor: new ones with their diff (tests to write), equivalent ones with the reason."""
    lines = []
    for outcome in score.new_survivors:
        lines.append(f"  NEW SURVIVOR {outcome.mutant.id}")
        if diffs:
            lines.extend("    " + line for line in outcome.mutant.diff.splitlines())
    for outcome in score.equivalent:
        lines.append(f"  equivalent   {outcome.mutant.id}\n"
                     f"               ({equivalence_reason(score.name, outcome.mutant)})")
    for outcome in score.killed:
        if equivalence_reason(score.name, outcome.mutant) is not None:
            lines.append(f"  KILLED, yet listed as equivalent (take it off the list): {outcome.mutant.id} "
                         f"[{outcome.by}]")
    return "\n".join(lines)


def table(scores):
    """The markdown table the README and docs/mutation.md quote."""
    rows = ["| assignment | mutants | killed | equivalent | new survivors | score |",
            "|---|---|---|---|---|---|"]
    for score in scores:
        rows.append(f"| {score.name} | {len(score.outcomes)} | {len(score.killed)} | {len(score.equivalent)} "
                    f"| {len(score.new_survivors)} | {score.percent:.0f} % |")
    return "\n".join(rows)
