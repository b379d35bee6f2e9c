"""The names consolidation writes and reads on the detail sheets: the 单位 of the elimination
lines, the 备注 of 本级 and 下属单位 in 单位构成, and the spec input that lists the units.
Apart from :mod:`juesuan.consolidate.engine` so that a check of one unit's workbook can look
at them without importing the engine."""

ELIMINATION_UNIT = "内部抵销"
PARENT_REMARK, UNIT_REMARK = "本级", "下属单位"
UNITS_INPUT = "units"  # the spec input (list without a ledger) that lists the units: 单位构成
