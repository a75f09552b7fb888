"""XLSX exports with Chinese headers: a round's results and the open cases. Pure: rows in, bytes out.

Cells are written by `kit.xlsx` (text as text, never a formula; no control characters)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from cunzhi.kit.xlsx import add_sheet

CATEGORY_ZH = {
    "no_fit_secretary": "书记人选缺乏/轮流坐庄",
    "weak_economy": "贫困/集体经济薄弱",
    "poor_public_order": "治安环境差",
    "many_petitions": "信访问题突出",
    "irregular_activity": "组织活动不正常",
    "weak_branch": "支部建设薄弱",
    "specialty_farming": "发展特色种养",
}
VILLAGE_STATUS_ZH = {"normal": "正常", "weak": "软弱涣散", "rectifying": "整顿中", "accepted": "已销号"}
CASE_STATUS_ZH = {"open": "已立案", "rectifying": "整顿中", "submitted": "申请销号", "accepted": "已销号"}
ROUND_STATUS_ZH = {
    "open": "已开启",
    "scoring": "评分中",
    "proposed": "已提出建议",
    "confirmed": "已确认",
    "closed": "已关闭",
}

ROUND_FIXED_HEADERS = ["乡镇", "村代码", "村名"]
ROUND_TAIL_HEADERS = ["综合问题指数", "拟列为软弱涣散", "问题类别", "理由", "评分人", "当前状态"]
CASE_HEADERS = [
    "乡镇",
    "村代码",
    "村名",
    "排查轮次",
    "整顿状态",
    "问题类别",
    "整改期限",
    "措施总数",
    "未完成措施数",
    "未完成措施（责任人，期限）",
    "立案时间",
]


def categories_zh(codes: Sequence[str]) -> str:
    return "、".join(CATEGORY_ZH.get(c, c) for c in codes)


def round_workbook(
    *,
    title: str,
    status: str,
    criteria: Sequence[tuple[str, str]],
    rows: Sequence[dict[str, Any]],
    thresholds: dict[str, str],
) -> bytes:
    """`criteria`: (code, name); `rows`: township, village_code, village_name, scores (dict|None),
    index, weak (bool|None), categories, reasons (texts), scored_by, status."""
    wb = Workbook()
    headers = ROUND_FIXED_HEADERS + [name for _, name in criteria] + ROUND_TAIL_HEADERS
    out: list[list[Any]] = []
    for r in rows:
        scores = r.get("scores") or {}
        weak = r.get("weak")
        out.append(
            [
                r["township"],
                r["village_code"],
                r["village_name"],
                *[scores.get(code) for code, _ in criteria],
                r.get("index"),
                {True: "是", False: "否", None: "未提出"}[weak],
                categories_zh(r.get("categories") or []),
                "；".join(r.get("reasons") or []),
                r.get("scored_by") or "",
                VILLAGE_STATUS_ZH.get(r.get("status") or "", r.get("status") or ""),
            ]
        )
    add_sheet(wb, "排查结果", headers, out, first=True)
    info = [
        ["排查轮次", title],
        ["状态", ROUND_STATUS_ZH.get(status, status)],
        ["弱村线（综合问题指数）", thresholds.get("weak_index", "")],
        ["问题认定线（单项问题程度%）", thresholds.get("category_share", "")],
        ["一票否决线（单项问题程度%）", thresholds.get("veto_share") or "未设"],
    ]
    add_sheet(wb, "说明", ["项目", "内容"], info)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def cases_workbook(rows: Sequence[dict[str, Any]]) -> bytes:
    """`rows`: township, village_code, village_name, round_title, status, categories, deadline,
    measures_total, measures_open, open_measures (texts), opened_at."""
    wb = Workbook()
    out = [
        [
            r["township"],
            r["village_code"],
            r["village_name"],
            r.get("round_title") or "",
            CASE_STATUS_ZH.get(r["status"], r["status"]),
            categories_zh(r.get("categories") or []),
            r["deadline"].isoformat() if r.get("deadline") else "",
            r["measures_total"],
            r["measures_open"],
            "\n".join(r.get("open_measures") or []),
            r["opened_at"].strftime("%Y-%m-%d") if r.get("opened_at") else "",
        ]
        for r in rows
    ]
    add_sheet(wb, "未销号整顿村", CASE_HEADERS, out, first=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
