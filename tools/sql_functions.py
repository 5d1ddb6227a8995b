"""Which DuckDB functions a query may call: an allow-list of pure ones, and every other name with its reason.

The gate (``insightchat.tools.sql``) checks the function names of DuckDB's own parse of the SQL that will
run, so the names here are DuckDB's (``count_star``, ``~~`` for LIKE, ``list_value`` for ``[...]``), not
sqlglot's. A function is allowed when it only computes a value from its arguments: it reads no file,
network, setting, log, catalog or session state and changes none. Everything DuckDB 2.0.1 lists in
``duckdb_functions()`` is in exactly one place below; ``tests/test_sql_functions.py`` fails on any new
name until someone classifies it, so an upgrade can never widen the gate by itself.
"""

from __future__ import annotations


def names(*groups: str) -> frozenset[str]:
    """The whitespace-separated names of ``groups`` (the lists below read as DuckDB prints them)."""
    return frozenset(" ".join(groups).split())


# ------------------------------------------------------------------------------------------ allowed

AGGREGATE_FUNCTIONS = names(
    """
    any_value approx_count_distinct approx_quantile approx_top_k arbitrary arg_max arg_max_null
    arg_max_nulls_last arg_min arg_min_null arg_min_nulls_last argmax argmin array_agg avg bit_and bit_or
    bit_xor bitstring_agg bool_and bool_or corr count count_if count_star countif covar_pop covar_samp
    decimal_average entropy favg first fsum group_concat histogram histogram_exact kahan_sum kurtosis
    kurtosis_pop last list listagg lttb mad max max_by mean median min min_by mode product quantile
    quantile_cont quantile_disc regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx
    regr_sxy regr_syy reservoir_quantile sem skewness stddev stddev_pop stddev_samp string_agg sum
    sum_no_overflow sumkahan var_pop var_samp variance variant_group_object
    geomean geometric_mean json_group_array json_group_object json_group_structure variant_group_array
    wavg weighted_avg
    """
)

WINDOW_FUNCTIONS = names(
    """
    cume_dist dense_rank fill first_value lag last_value lead nth_value ntile percent_rank rank rank_dense
    row_number
    """
)

_OPERATORS = """
    != !__postfix !~~ !~~* % & && * ** + - ->> / // < <-> << <= <=> <@ = > >= >> @ @> ^ ^@ | || ~ ~~ ~~* ~~~
    add subtract multiply divide mod xor
"""
# The two comparison functions whose DuckDB names contain spaces.
_SPACED_OPERATORS = frozenset({"IS DISTINCT FROM", "IS NOT DISTINCT FROM"})

_MATH = """
    abs acos acosh asin asinh atan atan2 atanh binom bit_count cbrt ceil ceiling cos cosh cot decimal_division
    degrees equi_width_bins even exp factorial fdiv floor fmod gamma gcd greatest greatest_common_divisor
    isfinite isinf isnan lcm least least_common_multiple lgamma ln log log10 log2 nextafter pi pow power
    radians random round round_even roundbankers sign signbit sin sinh sqrt tan tanh trunc
"""

_TEXT = """
    ascii bar base64 bin bit_length bit_position bitstring bitstring_byte_comparable char_length
    character_length chr concat concat_ws contains create_sort_key damerau_levenshtein decode editdist3
    encode ends_with format formatReadableDecimalSize formatReadableSize format_bytes from_base64 from_binary
    from_hex get_bit hamming hash hex hive_partition_component icu_sort_key ilike_escape instr jaccard
    jaro_similarity jaro_winkler_similarity lcase left left_grapheme len length length_grapheme levenshtein
    like_escape lower lpad ltrim md5 md5_number md5_number_lower md5_number_upper mismatches nfc_normalize
    not_ilike_escape not_like_escape octet_length ord overlay parse_dirname parse_dirpath parse_filename
    parse_formatted_bytes parse_path path_join position prefix printf repeat replace reverse right
    right_grapheme rpad rtrim set_bit sha1 sha256 split split_part starts_with str_split string_split
    string_to_array strip_accents strlen strpos substr substring substring_grapheme suffix to_base
    to_base64 to_binary to_hex translate trim ucase unbin unhex unicode upper url_decode url_encode
"""

_REGEXP = """
    regexp_escape regexp_extract regexp_extract_all regexp_full_match regexp_matches regexp_replace
    regexp_split_to_array regexp_split_to_table str_split_regex string_split_regex
"""

_DATE_TIME = """
    age ago century current_date current_localtime current_localtimestamp date_add date_diff date_part
    date_sub date_trunc datediff datepart datesub datetrunc day dayname dayofmonth dayofweek dayofyear
    days_in_month decade epoch epoch_ms epoch_ns epoch_us era get_current_time get_current_timestamp hour
    isodow isoyear julian last_day make_date make_time make_timestamp make_timestamp_ms make_timestamp_ns
    make_timestamptz microsecond millennium millisecond minute month monthname nanosecond normalized_interval
    now quarter second strftime strptime time_bucket timetz_byte_comparable timezone timezone_hour
    timezone_minute to_centuries to_days to_decades to_hours to_microseconds to_millennia to_milliseconds
    to_minutes to_months to_quarters to_seconds to_timestamp to_weeks to_years today transaction_timestamp
    try_strptime week weekday weekofyear year yearweek
"""

_LISTS = """
    apply array_append array_apply array_cat array_concat array_contains array_cosine_distance
    array_cosine_similarity array_cross_product array_distance array_distinct array_dot_product array_extract
    array_filter array_grade_up array_has array_has_all array_has_any array_indexof array_inner_product
    array_intersect array_length array_negative_dot_product array_negative_inner_product array_pop_back
    array_pop_front array_position array_prepend array_push_back array_push_front array_reduce array_resize
    array_reverse array_reverse_sort array_select array_slice array_sort array_to_string
    array_to_string_comma_default array_transform array_unique array_value array_where array_zip cardinality
    element_at filter flatten generate_series generate_subscripts grade_up list_any_value list_append
    list_apply list_approx_count_distinct list_avg list_bit_and list_bit_or list_bit_xor list_bool_and
    list_bool_or list_cat list_concat list_contains list_cosine_distance list_cosine_similarity list_count
    list_distance list_distinct list_dot_product list_element list_entropy list_extract list_filter
    list_first list_grade_up list_has list_has_all list_has_any list_histogram list_indexof
    list_inner_product list_intersect list_kurtosis list_kurtosis_pop list_last list_mad list_max
    list_median list_min list_mode list_negative_dot_product list_negative_inner_product list_pack
    list_position list_prepend list_product list_reduce list_resize list_reverse list_reverse_sort
    list_select list_sem list_skewness list_slice list_sort list_stddev_pop list_stddev_samp
    list_string_agg list_sum list_transform list_unique list_value list_var_pop list_var_samp list_where
    list_zip range reduce unnest unpivot_list
"""

_STRUCTS_MAPS_UNIONS = """
    map map_concat map_contains map_contains_entry map_contains_value map_entries map_extract
    map_extract_value map_from_entries map_keys map_values remap_struct row struct_concat struct_contains
    struct_extract struct_extract_at struct_has struct_indexof struct_insert struct_keys struct_pack
    struct_position struct_update struct_values union_extract union_tag union_value
"""

_JSON = """
    array_to_json from_json from_json_strict json json_array json_array_length json_contains
    json_copy_strftime_if_date json_copy_strftime_if_timestamp json_deep_merge json_exists json_extract
    json_extract_path json_extract_path_text json_extract_string json_insert json_keys json_merge_patch
    json_merge_patch_diff json_normalize json_object json_pretty json_quote json_remove json_replace
    json_set json_strip_nulls json_structure json_transform json_transform_strict json_type json_valid
    json_value row_to_json to_json
"""

_TYPES_AND_CONTROL = """
    alias assert_true can_cast_implicitly cast_to_type enum_code enum_first enum_last enum_range
    enum_range_boundary error gen_random_uuid get_type if invoke is_histogram_other_bin make_type nullif
    replace_type switch typeof uuid uuid_extract_timestamp uuid_extract_version uuidv4 uuidv7
"""

_GEOMETRY_AND_VARIANT = """
    st_asbinary st_asgeojson st_astext st_aswkb st_aswkt st_crs st_geomfromgeojson st_geomfromwkb
    st_intersects_extent st_setcrs vertex_extract variant_array_length variant_bytes_to_variant
    variant_comparator variant_contains variant_exists variant_extract variant_extract_string variant_keys
    variant_normalize variant_to_parquet_variant variant_type variant_typeof
"""

# SQL's special value names: DuckDB binds them even as a bare column name (``SELECT user``) when no column
# has the name, so refusing the call form would refuse nothing. They return constants ('duckdb', 'main',
# 'memory') or the clock; tests/test_sql_functions.py checks that this is all DuckDB binds that way.
BARE_NAME_VALUES = names(
    """
    current_catalog current_date current_role current_schema current_time current_timestamp current_user
    localtime localtimestamp session_user user
    """
)

SCALAR_FUNCTIONS = (
    _SPACED_OPERATORS
    | BARE_NAME_VALUES
    | names(
        _OPERATORS,
        _MATH,
        _TEXT,
        _REGEXP,
        _DATE_TIME,
        _LISTS,
        _STRUCTS_MAPS_UNIONS,
        _JSON,
        _TYPES_AND_CONTROL,
        _GEOMETRY_AND_VARIANT,
    )
)

# Collations (``collate_de``, ``icu_collate_fr_ca``, ... about 300 of them) only compare strings.
COLLATION_PREFIXES = ("collate_", "icu_collate_")

# Table functions: they only generate rows from their arguments.
TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})

# These run the aggregate named by their second argument. Allowed only when that argument is a string
# constant naming an allowed aggregate (DuckDB's own list_sum, list_avg, ... are written this way).
AGGREGATE_BY_NAME = frozenset({"aggregate", "array_aggr", "array_aggregate", "list_aggr", "list_aggregate"})

# ------------------------------------------------------------------------------------------- refused

FILES = "reads files"
SQL_TEXT = "runs or plans SQL given as a string"
CATALOG = "reads the database catalog or engine metadata"
SETTINGS = "reads or changes settings"
LOGGING = "reads or writes DuckDB's log (which can be a file)"
PROFILING = "turns profiling on or off (it can write files)"
STORAGE = "writes to storage"
SLEEP = "sleeps (ties up the engine)"
SESSION = "changes session state (sequences, the random seed)"
HOST = "reads Python objects or memory of the host process"
RESOURCES = "manages external resources or grammar extensions"
SECRETS = "reads secrets"
INTERNAL = "an engine-internal or test function"
NOT_A_TABLE_FUNCTION = "only range, generate_series and unnest may be used as table functions"

_REFUSED_GROUPS: dict[str, str] = {
    FILES: """
        glob parquet_bloom_probe parquet_file_metadata parquet_full_metadata parquet_kv_metadata
        parquet_metadata parquet_page_index parquet_scan parquet_schema read_blob read_csv read_csv_auto
        read_duckdb read_json read_json_auto read_json_objects read_json_objects_auto read_ndjson
        read_ndjson_auto read_ndjson_objects read_parquet read_single_csv_file read_single_json_file
        read_single_parquet_file read_text sniff_csv summary
    """,
    SQL_TEXT: """
        query query_table json_execute_serialized_sql json_serialize_sql json_deserialize_sql json_serialize_plan
        histogram_values
    """,
    CATALOG: """
        col_description current_connection_id current_database current_query current_query_id
        current_schemas current_transaction_id
        format_pg_type format_type get_block_size has_any_column_privilege has_column_privilege
        has_database_privilege has_foreign_data_wrapper_privilege has_function_privilege
        has_language_privilege has_schema_privilege has_sequence_privilege has_server_privilege
        has_table_privilege has_tablespace_privilege icu_calendar_names in_search_path index_key
        inet_client_addr inet_client_port inet_server_addr inet_server_port map_to_pg_oid
        map_type_id_to_pg_oid obj_description pg_collation_is_visible pg_conf_load_time
        pg_conversion_is_visible pg_function_is_visible pg_get_constraintdef pg_get_expr pg_get_viewdef
        pg_has_role pg_is_other_temp_schema pg_my_temp_schema pg_opclass_is_visible pg_operator_is_visible
        pg_opfamily_is_visible pg_postmaster_start_time pg_size_pretty pg_table_is_visible pg_timezone_names
        pg_ts_config_is_visible pg_ts_dict_is_visible pg_ts_parser_is_visible pg_ts_template_is_visible
        pg_type_is_visible pg_typeof pragma_collations pragma_database_size pragma_metadata_info
        pragma_platform pragma_show pragma_storage_info pragma_table_info pragma_user_agent pragma_version
        shobj_description stats txid_current version duckdb_approx_database_count
        duckdb_available_metrics duckdb_columns duckdb_connection_count duckdb_constraints
        duckdb_coordinate_systems duckdb_databases duckdb_dependencies duckdb_dialects
        duckdb_eviction_queues duckdb_extension_repositories duckdb_extensions duckdb_external_file_cache
        duckdb_functions duckdb_grammar_extensions duckdb_indexes duckdb_keywords duckdb_live_query_metrics
        duckdb_memory duckdb_optimizers duckdb_prepared_statements duckdb_schemas duckdb_sequences
        duckdb_table_sample duckdb_tables duckdb_temporary_files duckdb_triggers duckdb_types duckdb_views
    """,
    SETTINGS: "current_setting getvariable duckdb_settings duckdb_variables",
    LOGGING: """
        enable_logging disable_logging truncate_duckdb_logs write_log parse_duckdb_log_message duckdb_logs
        duckdb_logs_parsed duckdb_log_contexts
    """,
    PROFILING: "enable_profiling disable_profiling duckdb_profiling_settings",
    STORAGE: "checkpoint force_checkpoint",
    SLEEP: "sleep_ms pg_sleep",
    SESSION: "nextval currval setval setseed",
    HOST: "arrow_scan arrow_scan_dumb pandas_scan python_arrow_scan python_map_function seq_scan",
    RESOURCES: """
        create_external_resource deregister_external_resource destroy_external_resource
        register_external_resource register_external_resource_type duckdb_external_resource_types
        duckdb_external_resources add_grammar_extension remove_grammar_extension
    """,
    SECRETS: "which_secret duckdb_secrets duckdb_secret_types duckdb_secret_type_parameters",
    INTERNAL: """
        __between __cast combine combine_aggr constant_or_null finalize to_aggregate_state vector_type
        test_all_types test_vector_types repeat_row
    """,
    NOT_A_TABLE_FUNCTION: "json_each json_tree",
}

REFUSED_FUNCTIONS: dict[str, str] = {name: why for why, names in _REFUSED_GROUPS.items() for name in names.split()}

# Engine-internal functions (compressed materialization, table filters) all carry this prefix.
INTERNAL_PREFIX = "__internal_"


def is_collation(name: str) -> bool:
    """Whether ``name`` (lower case) is one of DuckDB's collation functions."""
    return name.startswith(COLLATION_PREFIXES)


def is_allowed_value_function(name: str) -> bool:
    """Whether a scalar or aggregate call of ``name`` (lower case, as DuckDB parsed it) is allowed."""
    return name in SCALAR_FUNCTIONS or name in AGGREGATE_FUNCTIONS or is_collation(name)


def refusal_reason(name: str) -> str:
    """Why ``name`` is refused, in words for the user (also for names DuckDB does not know)."""
    if name in REFUSED_FUNCTIONS:
        return REFUSED_FUNCTIONS[name]
    if name.startswith(INTERNAL_PREFIX):
        return INTERNAL
    if name.startswith(("duckdb_", "pragma_", "pg_")):
        return CATALOG
    if name.startswith("read_"):
        return FILES
    return "is not on the list of allowed functions"
