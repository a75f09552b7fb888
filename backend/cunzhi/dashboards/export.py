"""Each panel as an XLSX workbook with Chinese headers, through the kit's sheet writer
(every text cell written as text, a leading =, +, -, @ quoted, control characters dropped). Pure:
the panel's answer in, bytes out."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from cunzhi.discipline.rules import OUTCOME_LABELS, VIOLATION_LABELS, CaseOutcome, Violation
from cunzhi.kit.xlsx import add_sheet, filename
from cunzhi.rectification.export import CATEGORY_ZH, VILLAGE_STATUS_ZH
from cunzhi.tasks.rules import CATEGORY_ZH as TASK_CATEGORY_ZH

PANEL_ZH = {"rectification": "软弱涣散村整顿", "pairing": "结对包扶", "cadres": "驻村干部在岗",
            "tasks": "任务与整顿成效", "funds": "预算执行与报账", "disclosures": "村务公开合规",
            "discipline": "违纪违法案件"}
BUDGET_CATEGORY_ZH = {"office": "办公经费", "allowances": "干部报酬", "public_works": "公益事业",
                      "production": "生产发展", "welfare": "社会救助", "maintenance": "维修维护", "other": "其他"}
STEP_ZH = {"sign": "待村务监督委员会签字", "approve": "待乡镇审批", "pay_direct": "待支付（无需审批）",
           "pay": "待支付（已审批）"}
LOAD_ZH = {"0": "无任务", "1-2": "1-2项", "3-5": "3-5项", "6-10": "6-10项", "11+": "11项以上"}


def _money(v: Any) -> Decimal:
    return Decimal(str(v))


def _status(s: str) -> str:
    return VILLAGE_STATUS_ZH.get(s, s)


def _info(wb: Workbook, panel: dict[str, Any], township_name: str) -> None:
    add_sheet(wb, "说明", ["项目", "内容"], [["月份", panel["month"]], ["范围", township_name]])


def rectification(wb: Workbook, d: dict[str, Any]) -> None:
    add_sheet(wb, "按整顿状态", ["整顿状态", "村数"], [[_status(r["status"]), r["villages"]] for r in d["by_status"]],
              first=True)
    add_sheet(wb, "按问题类别", ["问题类别", "整顿状态", "村数"],
              [[CATEGORY_ZH.get(r["category"], r["category"]), _status(r["status"]), r["villages"]]
               for r in d["by_category"]])
    add_sheet(wb, "整顿趋势", ["月份", "累计列入", "累计销号", "未销号"],
              [[r["month"], r["listed"], r["accepted"], r["open"]] for r in d["trend"]])


def pairing(wb: Workbook, d: dict[str, Any]) -> None:
    t = d["totals"]
    add_sheet(wb, "结对覆盖", ["项目", "数量"], [
        ["需结对村（软弱涣散、整顿中）", t["listed"]], ["包村单位已配齐的村", t["covered"]],
        ["包村单位不足的村", t["below_required"]], ["缺少的包村单位数", t["missing_units"]],
        ["已销号仍占用包村单位的村", t["accepted_holding"]], ["参与结对的包村单位", t["units_paired"]],
        ["超出承接能力的包村单位", t["over_capacity"]], ["结对数", t["pairings"]]], first=True)
    add_sheet(wb, "分乡镇", ["乡镇代码", "乡镇", "需结对村", "已配齐", "不足", "缺少单位数", "已销号仍占用"],
              [[r["township_code"], r["township_name"], r["listed"], r["covered"], r["below_required"],
                r["missing_units"], r["accepted_holding"]] for r in d["by_township"]])


def cadres(wb: Workbook, d: dict[str, Any]) -> None:
    heads = ["驻村干部（人·村）", "在岗派驻", "在村天数", "派驻天数", "在村天数不足", "待审核异常打卡",
             "已认可异常打卡", "已驳回异常打卡"]
    keys = ["cadres", "posted", "days", "posted_days", "below_required", "flagged_pending", "flagged_accepted",
            "flagged_rejected"]
    t = d["totals"]
    add_sheet(wb, "驻村在岗", ["项目", "数量"], [[h, t[k]] for h, k in zip(heads, keys, strict=True)]
              + [["每月应在村天数", d["required_days"]]], first=True)
    add_sheet(wb, "分乡镇", ["乡镇代码", "乡镇", *heads],
              [[r["township_code"], r["township_name"], *[r[k] for k in keys]] for r in d["by_township"]])


def tasks(wb: Workbook, d: dict[str, Any]) -> None:
    add_sheet(wb, "按整顿状态", ["整顿状态", "村数", "有任务的村", "任务数", "已完成", "逾期"],
              [[_status(r["status"]), r["villages"], r["with_tasks"], r["tasks"], r["completed"], r["overdue"]]
               for r in d["by_status"]], first=True)
    add_sheet(wb, "按任务量", ["整顿状态", "任务量", "村数", "任务数", "已完成", "逾期"],
              [[_status(r["status"]), LOAD_ZH.get(r["load"], r["load"]), r["villages"], r["tasks"], r["completed"],
                r["overdue"]] for r in d["groups"]])
    add_sheet(wb, "按任务类别", ["任务类别", "整顿状态", "有该类任务的村", "任务数", "已完成", "按期完成", "逾期"],
              [[TASK_CATEGORY_ZH.get(r["category"], r["category"]), _status(r["status"]), r["villages"], r["tasks"],
                r["completed"], r["on_time"], r["overdue"]] for r in d["by_category"]])
    c = d["caveat"]
    add_sheet(wb, "数据说明", ["项目", "内容"], [
        ["有任务的村", c["villages_with_tasks"]], ["其中已销号", c["accepted_with_tasks"]],
        ["结论可信度", "数据偏少，对比仅供参考" if c["thin"] else "样本量可用于对比"]])


def funds(wb: Workbook, d: dict[str, Any]) -> None:
    add_sheet(wb, "预算执行", ["支出类别", "预算行数", "计划数", "批准数", "已占用", "已支付"],
              [[BUDGET_CATEGORY_ZH.get(r["category"], r["category"]), r["lines"], _money(r["planned"]),
                _money(r["approved"]), _money(r["committed"]), _money(r["paid"])] for r in d["by_category"]],
              first=True)
    add_sheet(wb, "报账等待", ["环节", "等待笔数", "金额", f"超过{d['wait_days']}天", "最早进入时间"],
              [[STEP_ZH.get(r["step"], r["step"]), r["waiting"], _money(r["amount"]), r["too_long"],
                r["oldest_since"].strftime("%Y-%m-%d %H:%M") if r["oldest_since"] else ""]
               for r in d["claims_waiting"]])


def disclosures(wb: Workbook, d: dict[str, Any]) -> None:
    heads = ["应公开村数", "未公开", "已公开待检查", "检查通过", "检查未通过", "逾期", "更正"]
    keys = ["villages", "pending", "published", "passed", "failed", "late", "corrections"]
    add_sheet(wb, "分乡镇", ["乡镇代码", "乡镇", *heads],
              [[r["township_code"], r["township_name"], *[r[k] for k in keys]] for r in d["by_township"]]
              + [["合计", "", *[d["totals"][k] for k in keys]]], first=True)
    add_sheet(wb, "逐月情况", ["月份", *heads], [[r["month"], *[r[k] for k in keys]] for r in d["trend"]])


def discipline(wb: Workbook, d: dict[str, Any]) -> None:
    add_sheet(wb, "逐年案件", ["年份", "立案数", "较上年增减"],
              [[r["year"], r["cases"], r["change"]] for r in d["by_year"]], first=True)
    add_sheet(wb, f"{d['year']}年按违纪类型", ["违纪类型", "案件数"],
              [[VIOLATION_LABELS.get(Violation(r["violation"]), r["violation"]), r["cases"]] for r in d["by_violation"]])
    add_sheet(wb, f"{d['year']}年按处理结果", ["处理结果", "案件数"],
              [[OUTCOME_LABELS.get(CaseOutcome(r["outcome"]), r["outcome"]), r["cases"]] for r in d["by_outcome"]])


SHEETS: dict[str, Callable[[Workbook, dict[str, Any]], None]] = {
    "rectification": rectification, "pairing": pairing, "cadres": cadres, "tasks": tasks, "funds": funds,
    "disclosures": disclosures, "discipline": discipline,
    # EXTENSION: a further panel adds its sheet writer here.
}


def workbook(panel: str, data: dict[str, Any], scope_name: str) -> tuple[str, str, bytes]:
    """(Chinese file name, ASCII fallback, XLSX bytes) of one panel."""
    wb = Workbook()
    SHEETS[panel](wb, data)
    _info(wb, data, scope_name)
    buf = io.BytesIO()
    wb.save(buf)
    return (filename(PANEL_ZH[panel], scope_name, data["month"]), f"dashboard-{panel}-{data['month']}.xlsx",
            buf.getvalue())
