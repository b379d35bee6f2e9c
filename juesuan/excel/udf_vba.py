"""The worksheet functions' VBA wrappers, generated at build time from ``udfs/juesuan_udfs.py``.

xlwings' ``ImportPythonUDFs`` writes such wrappers into a workbook from inside Excel; the
add-in carries them instead (module ``xlwings_udfs``, the name xlwings itself uses, so a
later ``ImportPythonUDFsToAddin`` replaces rather than duplicates them). Every workbook on a
PC with the add-in then computes ``JS_*`` without any import step and an .xlsx keeps only
the formulas.

The UDF module is read as *source* (``ast``), not imported: off Windows xlwings'
decorators are no-ops and keep no metadata, and the build must not depend on the platform.
What is read: each ``@xw.func`` function's name, parameters (a default makes it
``Optional``), docstring, ``category``/``volatile``/``call_in_wizard``, and each
``@xw.arg(name, doc=...)``. ``ARRAY_RESULTS`` (a module constant) names the functions
whose result is always a range. A parameter named ``caller`` is xlwings' reserved one (the
calling range): as xlwings does, it is left out of the VBA signature and of the function
wizard, and ``Nothing`` holds its place in the arguments, which xlwings' ``call_udf``
replaces with ``Application.Caller``.

The wrapper body is the one xlwings generates for an add-in (``XLPy.CallUDF`` with
``ActiveWorkbook``), so xlwings' COM server runs the function exactly as after an import.
Descriptions for Excel's function wizard are Chinese, which the VBA project's code page
(1252) cannot hold: they go to the add-in's ``juesuan.functions`` sheet and the add-in
registers them with ``Application.MacroOptions`` when it opens.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from juesuan.records import record

UDF_MODULE = "juesuan_udfs"
VBA_MODULE = "xlwings_udfs"
FUNCTION_SHEET = "juesuan.functions"
MAX_DOC = 255  # Application.MacroOptions truncates descriptions there
CALLER = "caller"  # xlwings' reserved parameter: the calling range, filled in by xlwings, not by Excel
#: Words VBA reserves (VBA language reference, "keywords"): never usable as a parameter name.
VBA_RESERVED = frozenset("""
and as boolean byref byte byval call case cbool cbyte ccur cdate cdbl cdec cint clng clnglng clngptr const
csng cstr currency cvar cverr date decimal declare defbool defbyte defcur defdate defdbl defdec defint deflng
deflnglng deflngptr defobj defsng defstr defvar dim do double each else elseif empty end endif enum eqv erase
event exit false for friend function get global gosub goto if imp implements in integer is let lib like long
longlong longptr loop lset me mod new next not nothing null on option optional or paramarray preserve private
public raiseevent redim rem resume return rset select set single static step stop string sub then to true type
typeof until variant wend while with withevents xor attribute
""".split())


class UdfSourceError(ValueError):
    """The UDF module cannot be turned into wrappers (unsupported signature, bad decorator)."""


@record(frozen=True)
class UdfArg:
    name: str
    optional: bool
    default: object
    doc: str


@record(frozen=True)
class UdfFunction:
    name: str
    args: tuple[UdfArg, ...]  # the Excel arguments (xlwings' reserved ``caller`` is not one)
    description: str
    category: str
    volatile: bool
    call_in_wizard: bool
    array: bool
    call_args: tuple[str, ...] = ()  # what the wrapper passes, in Python's order (default: the args)

    @property
    def passed(self) -> tuple[str, ...]:
        """The VBA expressions of ``XLPy.CallUDF``'s argument array."""
        return self.call_args or tuple(a.name for a in self.args)


def udf_source_path() -> Path:
    """``juesuan_udfs.py`` as installed (or in the source tree's ``udfs/``)."""
    spec = importlib.util.find_spec(UDF_MODULE)
    if spec is not None and spec.origin:
        return Path(spec.origin)
    return Path(__file__).resolve().parents[2] / "udfs" / f"{UDF_MODULE}.py"


def _is_xw(node: ast.expr, attr: str) -> bool:
    func = node.func if isinstance(node, ast.Call) else node
    return isinstance(func, ast.Attribute) and func.attr == attr and isinstance(func.value, ast.Name) \
        and func.value.id == "xw"


def _literal(node: ast.expr, constants: dict[str, object], what: str) -> object:
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise UdfSourceError(f"{what}: not a literal ({ast.unparse(node)})") from None


def read_udfs(path: Path | None = None) -> list[UdfFunction]:
    """Every ``@xw.func`` of the UDF module, in source order."""
    tree = ast.parse(Path(path or udf_source_path()).read_text(encoding="utf-8"))
    constants: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    arrays = constants.get("ARRAY_RESULTS", ())
    if not isinstance(arrays, tuple | list | set | frozenset):
        raise UdfSourceError("ARRAY_RESULTS must be a literal collection of names")
    out = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        funcs = [d for d in node.decorator_list if _is_xw(d, "func")]
        if not funcs:
            continue
        out.append(_function(node, funcs[0], constants, set(arrays)))
    return out


def _function(node: ast.FunctionDef, deco: ast.expr, constants: dict[str, object], arrays: set) -> UdfFunction:
    name = node.name
    a = node.args
    if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs:
        raise UdfSourceError(f"{name}: only plain positional parameters are supported")
    params = [p.arg for p in a.args]
    for p in params:
        if p.lower() in VBA_RESERVED or not p.isascii() or p.startswith("_"):
            raise UdfSourceError(f"{name}: parameter {p!r} cannot be a VBA parameter name")
    defaults = [_literal(d, constants, f"{name} default") for d in a.defaults]
    first_optional = len(params) - len(defaults)
    options = {k.arg: _literal(k.value, constants, f"{name} {k.arg}") for k in getattr(deco, "keywords", [])}
    docs: dict[str, str] = {}
    for d in node.decorator_list:
        if _is_xw(d, "arg") and isinstance(d, ast.Call):
            arg_name = _literal(d.args[0], constants, f"{name} xw.arg")
            if arg_name not in params:
                raise UdfSourceError(f"{name}: xw.arg names unknown parameter {arg_name!r}")
            for k in d.keywords:
                if k.arg == "doc":
                    docs[str(arg_name)] = str(_literal(k.value, constants, f"{name} doc"))
    if CALLER in docs:
        raise UdfSourceError(f"{name}: {CALLER!r} is filled in by xlwings, not an Excel argument (no xw.arg)")
    visible = [p for p in params if p != CALLER]
    args = tuple(
        UdfArg(p, i >= first_optional, defaults[i - first_optional] if i >= first_optional else None,
               docs.get(p, f"参数 {visible.index(p) + 1}"))
        for i, p in enumerate(params) if p != CALLER
    )
    return UdfFunction(
        name=name,
        args=args,
        description=(ast.get_docstring(node) or "").strip(),
        category=str(options.get("category", "xlwings")),
        volatile=bool(options.get("volatile", False)),
        call_in_wizard=bool(options.get("call_in_wizard", True)),
        array=name in arrays,
        call_args=tuple("Nothing" if p == CALLER else p for p in params),
    )


def wrapper(f: UdfFunction) -> list[str]:
    """The VBA function for one UDF (the body xlwings writes for an add-in)."""
    sig = ", ".join(("Optional " if a.optional else "") + a.name for a in f.args)
    call = f'XLPy.CallUDF("{UDF_MODULE}", "{f.name}", Array({", ".join(f.passed)}), ' \
           "ActiveWorkbook, Application.Caller)"
    lines = [f"Function {f.name}({sig})"]
    if f.array:
        lines.append("    ' returns a range of values (spills in Excel 365/2021; array formula in older Excel)")
    if not f.call_in_wizard:
        lines.append('    If (Not Application.CommandBars("Standard").Controls(1).Enabled) Then Exit Function')
    if f.volatile:
        lines.append("    Application.Volatile")
    lines += [
        "    If TypeOf Application.Caller Is Range Then On Error GoTo failed",
        f"    {f.name} = {call}",
        "    Exit Function",
        "failed:",
        f"    {f.name} = Err.Description",
        "End Function",
        "",
    ]
    return lines


def vba_module(functions: list[UdfFunction]) -> str:
    """Source of the ``xlwings_udfs`` module (ASCII, CRLF added when it is written)."""
    lines = [
        f'Attribute VB_Name = "{VBA_MODULE}"',
        f"' Worksheet functions of juesuan, generated by `juesuan addin build` from {UDF_MODULE}.py.",
        "' Do not edit: rebuild the add-in instead. Descriptions: sheet " + FUNCTION_SHEET + ".",
        "",
    ]
    for f in functions:
        lines += wrapper(f)
    text = "\n".join(lines)
    if not text.isascii():
        raise UdfSourceError("generated VBA must be ASCII (parameter names in English or pinyin)")
    return text


def function_rows(functions: list[UdfFunction]) -> list[list[object]]:
    """The ``juesuan.functions`` sheet: header, then one row per function."""
    width = max((len(f.args) for f in functions), default=0)
    header: list[object] = ["函数", "类别", "说明", "参数个数", *[f"参数{i + 1}" for i in range(width)]]
    rows = [header]
    for f in functions:
        description = f.description
        docs = [("可选：" if a.optional and not a.doc.startswith("可选") else "") + a.doc for a in f.args]
        rows.append([f.name, f.category, description[:MAX_DOC], len(f.args), *[d[:MAX_DOC] for d in docs]])
    return rows
