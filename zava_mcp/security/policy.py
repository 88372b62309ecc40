"""What agent SQL may touch, and what the database closes to the application role.

One list for each rule, read by every layer that enforces it: the SQL guard (an allowlist: a
construct not named here is refused), the bootstrap SQL a superuser runs (what is revoked from
PUBLIC), the posture check at start-up and ``zava-mcp doctor`` (what must stay revoked).

The allowlists are what read-only analytics over the retail tables needs: aggregates, window
functions, arithmetic, string, date/time, JSON and array functions, casts to plain types. The
closed lists are everything that could read other sessions, run an SQL string, write, sleep or
report on rows Row Level Security hides; each is also refused by the guard, so either wall holds
alone.
"""

from __future__ import annotations

OWNER_ROLE = "zava_owner"
APP_ROLE = "zava_app"
#: the schema agent SQL reads (the application role's whole search_path)
AGENT_SCHEMA = "retail"
#: the transaction-local setting that carries the caller's signed identity
IDENTITY_SETTING = "zava.manager_id"

#: retail relations an agent may read (discovery goes through get_multiple_table_schemas)
AGENT_RELATIONS: frozenset[str] = frozenset(
    {
        "regions",
        "stores",
        "categories",
        "product_types",
        "products",
        "customers",
        "inventory",
        "orders",
        "order_items",
    }
)
#: tables whose rows RLS narrows to the caller's stores, and the column each policy compares
TENANT_TABLES: dict[str, str] = {
    "stores": "id",
    "customers": "store_id",
    "inventory": "store_id",
    "orders": "store_id",
    "order_items": "store_id",
}

#: plain types agent SQL may cast to (by the name pglast reports, schema pg_catalog or none)
ALLOWED_TYPES: frozenset[str] = frozenset(
    {
        "bool",
        "boolean",
        "int2",
        "int4",
        "int8",
        "smallint",
        "integer",
        "int",
        "bigint",
        "numeric",
        "decimal",
        "float4",
        "float8",
        "real",
        "text",
        "varchar",
        "bpchar",
        "char",
        "date",
        "time",
        "timetz",
        "timestamp",
        "timestamptz",
        "interval",
        "uuid",
        "json",
        "jsonb",
    }
)

_AGGREGATES = """
count sum avg min max array_agg string_agg json_agg jsonb_agg json_object_agg jsonb_object_agg
bool_and bool_or every bit_and bit_or bit_xor stddev stddev_pop stddev_samp variance var_pop
var_samp corr covar_pop covar_samp regr_avgx regr_avgy regr_count regr_intercept regr_r2
regr_slope regr_sxx regr_sxy regr_syy percentile_cont percentile_disc mode any_value
"""
_WINDOWS = """
row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
"""
_MATH = """
abs ceil ceiling floor round trunc sqrt cbrt power pow exp ln log log10 mod sign div pi degrees
radians width_bucket random gcd lcm factorial sin cos tan asin acos atan atan2 scale min_scale
trim_scale greatest least
"""
_STRINGS = """
length char_length character_length octet_length bit_length lower upper initcap btrim ltrim rtrim
substr substring left right replace concat concat_ws position strpos split_part
reverse md5 format to_char to_number to_date to_timestamp regexp_replace regexp_match
regexp_matches regexp_split_to_array regexp_split_to_table regexp_like regexp_count regexp_instr
regexp_substr starts_with translate ascii chr string_to_array array_to_string overlay normalize
is_normalized similar_to_escape quote_literal unistr casefold
"""
_DATES = """
now date_trunc date_part extract age make_date make_time make_timestamp make_timestamptz
make_interval date_bin date_add date_subtract justify_days justify_hours justify_interval
isfinite clock_timestamp statement_timestamp transaction_timestamp timezone generate_series
"""
_JSON = """
to_json to_jsonb row_to_json array_to_json json_build_object jsonb_build_object json_build_array
jsonb_build_array json_object jsonb_object json_array_elements jsonb_array_elements
json_array_elements_text jsonb_array_elements_text json_each jsonb_each json_each_text
jsonb_each_text json_object_keys jsonb_object_keys json_typeof jsonb_typeof json_array_length
jsonb_array_length json_extract_path jsonb_extract_path json_extract_path_text
jsonb_extract_path_text jsonb_pretty jsonb_strip_nulls json_strip_nulls jsonb_set jsonb_insert
jsonb_path_query jsonb_path_query_array jsonb_path_query_first jsonb_path_exists jsonb_path_match
"""
_ARRAYS = """
array_length cardinality unnest array_position array_positions array_remove array_replace
array_append array_prepend array_cat array_upper array_lower array_ndims array_dims
array_sample array_shuffle array_reverse array_sort trim_array
"""
#: function-style casts (``int4(x)``, ``numeric(x)``) to plain types
_CASTS = """
bool int2 int4 int8 numeric float4 float8 text varchar date time timestamp timestamptz interval
"""
#: harmless facts about the call itself
_MISC = """
coalesce nullif num_nulls num_nonnulls pg_typeof gen_random_uuid
"""

#: functions agent SQL may call (unqualified or in pg_catalog), lowercase
ALLOWED_FUNCTIONS: frozenset[str] = frozenset(
    " ".join(
        (_AGGREGATES, _WINDOWS, _MATH, _STRINGS, _DATES, _JSON, _ARRAYS, _CASTS, _MISC)
    ).split()
)

#: operators agent SQL may use (comparison, arithmetic, pattern, JSON, array, range)
ALLOWED_OPERATORS: frozenset[str] = frozenset(
    """
    = <> != < > <= >= + - * / % ^ || ~~ ~~* !~~ !~~* ~ ~* !~ !~* -> ->> #> #>> @> <@ ? ?| ?& &&
    @ | & # << >> |/ ||/ !
    """.split()
)

#: tablesample methods (both read a fraction of the rows RLS already narrowed)
ALLOWED_TABLESAMPLE_METHODS: frozenset[str] = frozenset({"bernoulli", "system"})

# ------------------------------------------------------------------------ the database wall

#: pg_catalog functions revoked from PUBLIC (and granted back to the owner) at bootstrap: they
#: set configuration (the identity), run SQL strings no parser sees, sleep, lock, signal, read
#: other sessions (their SQL, prepared statements, cursors, locks), write WAL or large objects,
#: or report sizes and statistics of rows RLS hides
CLOSED_FUNCTIONS: tuple[str, ...] = (
    "set_config",
    "query_to_xml",
    "query_to_xml_and_xmlschema",
    "query_to_xmlschema",
    "cursor_to_xml",
    "cursor_to_xmlschema",
    "ts_stat",
    "ts_rewrite",
    "pg_cancel_backend",
    "pg_terminate_backend",
    "pg_notify",
    "pg_prepared_statement",
    "pg_cursor",
    "pg_lock_status",
    "pg_blocking_pids",
    "pg_safe_snapshot_blocking_pids",
    "pg_isolation_test_session_is_blocked",
    "pg_prepared_xact",
    "pg_export_snapshot",
    "pg_relation_size",
    "pg_total_relation_size",
    "pg_table_size",
    "pg_indexes_size",
    "pg_database_size",
    "pg_tablespace_size",
    "pg_current_xact_id",
    "txid_current",
    "loread",
    "lowrite",
)
#: name prefixes closed the same way
CLOSED_PREFIXES: tuple[str, ...] = (
    "table_to_xml",
    "schema_to_xml",
    "database_to_xml",
    "pg_sleep",
    "pg_advisory",
    "pg_try_advisory",
    "pg_stat_",
    "pg_logical_",
    "lo_",
)
#: pg_catalog views closed to PUBLIC: other sessions' SQL, statements, cursors and locks
CLOSED_VIEWS: tuple[str, ...] = (
    "pg_stat_activity",
    "pg_prepared_statements",
    "pg_cursors",
    "pg_locks",
    "pg_prepared_xacts",
)
#: pg_class columns that count rows and pages company-wide (RLS does not narrow a catalog)
CLOSED_PG_CLASS_COLUMNS: tuple[str, ...] = ("reltuples", "relpages", "relallvisible")

#: role defaults only a superuser may set (bootstrap SQL): a session's temporary files are
#: bounded (one sort or hash spill could otherwise fill the disk). Migration 0006 sets the
#: memory bounds the owner may set (work_mem, hash_mem_multiplier, parallel workers).
APP_ROLE_SUPERUSER_LIMITS: dict[str, str] = {"temp_file_limit": "256MB"}
#: role-level settings the posture check requires (what each bounds: read only, time, locks,
#: idle transactions, temporary files, memory, names resolving through retail only)
REQUIRED_ROLE_SETTINGS: dict[str, str | None] = {
    "default_transaction_read_only": "on",
    "statement_timeout": None,
    "lock_timeout": None,
    "idle_in_transaction_session_timeout": None,
    "temp_file_limit": None,
    "work_mem": None,
    "search_path": "retail",
}


def is_closed_function(name: str) -> bool:
    """Whether the pg_catalog function ``name`` is revoked from the application role."""
    lowered = name.lower()
    return lowered in CLOSED_FUNCTIONS or lowered.startswith(CLOSED_PREFIXES)


# ------------------------------------------------------------------------ refusal messages

_CONFIG = "changes server configuration"
_SQL_STRING = "executes SQL given as a string"
_SLEEP = "sleeps"
_ADVISORY = "takes advisory locks"
_SIGNAL = "signals server processes"
_FILES = "accesses server files"
_LARGE_OBJECTS = "accesses large objects"
_OTHER_SERVERS = "connects to other servers"
_ADMIN = "replication, WAL or server administration"
_SESSIONS = "exposes server sessions or statistics"
_SIZES = "reports sizes of rows other stores own"
_WRITES = "writes"

#: why a function is refused, for the message only (the allowlist decides): exact names first,
#: then prefixes; anything else not allowed is "not an analytics function"
REFUSAL_REASONS: dict[str, str] = {
    "set_config": _CONFIG,
    "pg_reload_conf": _SIGNAL,
    "query_to_xml": _SQL_STRING,
    "query_to_xml_and_xmlschema": _SQL_STRING,
    "query_to_xmlschema": _SQL_STRING,
    "cursor_to_xml": _SQL_STRING,
    "cursor_to_xmlschema": _SQL_STRING,
    "ts_stat": _SQL_STRING,
    "ts_rewrite": _SQL_STRING,
    "crosstab": _SQL_STRING,
    "connectby": _SQL_STRING,
    "pg_cancel_backend": _SIGNAL,
    "pg_terminate_backend": _SIGNAL,
    "pg_stat_file": _FILES,
    "lo_import": _FILES,
    "lo_export": _FILES,
    "loread": _LARGE_OBJECTS,
    "lowrite": _LARGE_OBJECTS,
    "pg_notify": _WRITES,
    "nextval": _WRITES,
    "setval": _WRITES,
    "txid_current": _ADMIN,
    "pg_current_xact_id": _ADMIN,
    "pg_export_snapshot": _ADMIN,
    "pg_switch_wal": _ADMIN,
    "pg_prepared_statement": _SESSIONS,
    "pg_cursor": _SESSIONS,
    "pg_lock_status": _SESSIONS,
    "pg_blocking_pids": _SESSIONS,
    "pg_relation_size": _SIZES,
    "pg_total_relation_size": _SIZES,
    "pg_table_size": _SIZES,
    "pg_indexes_size": _SIZES,
    "pg_database_size": _SIZES,
}
REFUSAL_PREFIXES: tuple[tuple[str, str], ...] = (
    ("table_to_xml", _SQL_STRING),
    ("schema_to_xml", _SQL_STRING),
    ("database_to_xml", _SQL_STRING),
    ("pg_sleep", _SLEEP),
    ("pg_advisory", _ADVISORY),
    ("pg_try_advisory", _ADVISORY),
    ("pg_read_", _FILES),
    ("pg_ls_", _FILES),
    ("pg_file_", _FILES),
    ("lo_", _LARGE_OBJECTS),
    ("dblink", _OTHER_SERVERS),
    ("postgres_fdw", _OTHER_SERVERS),
    ("pg_logical_", _WRITES),
    ("pg_create_", _ADMIN),
    ("pg_drop_", _ADMIN),
    ("pg_replication_", _ADMIN),
    ("pg_wal_", _ADMIN),
    ("pg_restore_", _WRITES),
    ("pg_clear_", _WRITES),
    ("pg_stat", _SESSIONS),
)
NOT_ANALYTICS = "not an analytics function"


def refusal_reason(name: str) -> str:
    """Why agent SQL may not call ``name`` (for the rejection message)."""
    lowered = name.lower()
    if lowered in REFUSAL_REASONS:
        return REFUSAL_REASONS[lowered]
    for prefix, reason in REFUSAL_PREFIXES:
        if lowered.startswith(prefix):
            return reason
    return NOT_ANALYTICS
