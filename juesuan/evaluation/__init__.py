"""Project performance self-evaluations (项目支出绩效自评表) and their summary
(绩效自评情况汇总表): layout as data in ``workbooks/evaluation-<year>.yaml``, scores
computed by Fill, checks by Validate.
Its steps are listed in :mod:`juesuan.pipeline`."""
