"""Project performance self-evaluations (项目支出绩效自评表) and their summary
(绩效自评情况汇总表): layout as data in ``workbooks/evaluation-<year>.yaml``, scores
computed by Fill, checks by Validate. Importing the package registers its Fill and
template steps in :mod:`juesuan.jobs` and its CSV importer in :mod:`juesuan.importer`."""

from __future__ import annotations

from juesuan.evaluation.steps import fill_step, template_step


def _register() -> None:
    from juesuan import jobs

    if fill_step not in jobs.FILL_EXTRAS:
        jobs.FILL_EXTRAS.append(fill_step)
    if template_step not in jobs.TEMPLATE_EXTRAS:
        jobs.TEMPLATE_EXTRAS.append(template_step)
    from juesuan.evaluation.importer import register

    register()  # the evaluation tables of ``juesuan import``


_register()
