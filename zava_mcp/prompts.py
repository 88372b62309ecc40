"""The prompts: conversation starters a client offers its user.

No ``from __future__ import annotations`` here: FastMCP reads the parameter annotations as
objects, and only a plain ``str`` keeps its framework note ("Provide a value matching the
following JSON schema...") out of the argument descriptions the user reads.
"""

from fastmcp import FastMCP

from zava_mcp.call_errors import prompt_error


def weekly_store_review(store: str) -> str:
    """A weekly review of one store's sales, stock and customers.

    Args:
        store: Store name, code or id (see get_current_user_info)
    """
    return (
        f"Prepare a weekly review for the store '{store}'. First call get_current_user_info "
        "to confirm the store is yours. Then call get_store_performance with "
        "time_period='last_7_days' and 'last_30_days'. Use execute_sales_query to list "
        "products with stock_level below 5 at that store (retail.inventory joined to "
        "retail.products) and the week's top customers by spend. Finish with three concrete "
        "actions for the store manager."
    )


def sales_question(question: str, style: str = "brief") -> str:
    """Answer a sales question with SQL, checking the schema first.

    Args:
        question: The business question, in plain words
        style: 'brief' (default) or 'detailed'
    """
    if style not in ("brief", "detailed"):
        raise prompt_error("style must be 'brief' or 'detailed'")
    return (
        f"Question: {question}\nCall get_multiple_table_schemas for the tables you need, "
        "then answer with one execute_sales_query call that aggregates in SQL. "
        f"Give a {style} answer with the figures and the period they cover."
    )


def register_prompts(mcp: FastMCP) -> None:
    for fn in (weekly_store_review, sales_question):
        mcp.prompt(fn)
