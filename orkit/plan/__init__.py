"""A sweep and its plan (layer 4): the sweep's values and their checks, its TOML form, the
task plan, where requests go (the endpoint), and the assembly of a run (client, router
options, quota, prices, cache). Internal: the public names are `orkit.Sweep` and
`orkit.load_spec`.
"""

from __future__ import annotations

from orkit._concurrency import InFlight, in_flight
from orkit.plan._assemble import (
    check_routes_of,
    daily_quota,
    is_local_server,
    plan_sweep,
    preflight_async,
    prepare,
    price_catalog,
    router_options_for,
    seed_quota,
    sweep_client,
)
from orkit.plan._base_url import BaseUrlGuard, wrong_base_url_line
from orkit.plan._cache_breakpoints import Breakpoints
from orkit.plan._checks import ENDPOINT_KINDS
from orkit.plan._contestant_routes import (
    RunRouting,
    SentAs,
    budget_prices,
    endpoint_router,
    run_routing,
)
from orkit.plan._contestant_sweeps import (
    contestant_endpoints,
    endpoint_groups,
    group_sweep,
    own_endpoint_sweeps,
    spec_endpoint,
)
from orkit.plan._embedding_prices import embedding_prices
from orkit.plan._endpoint import (
    Endpoint,
    calibration_endpoint,
    check_endpoint,
    check_served,
    open_client,
    refused_access,
    resolve_endpoint,
    sim_config,
)
from orkit.plan._judge_models import check_judge_models
from orkit.plan._lane_copy import lane_copy_writer, write_dataset_copy
from orkit.plan._param_support import check_param_support, param_warnings
from orkit.plan._plan import Plan, validate_dataset
from orkit.plan._request_fields import REQUEST_FIELDS
from orkit.plan._resolved import (
    adopt_drift,
    content_drift,
    prompt_files,
    resolved_spec,
    stored_sweep,
)
from orkit.plan._response_format import ResponseFormat
from orkit.plan._response_format import json_object as response_format_json_object
from orkit.plan._response_format import json_schema as response_format_json_schema
from orkit.plan._route_checks import (
    chain_of,
    check_routes,
    fallback_models,
    load_route_endpoints,
    route_models,
)
from orkit.plan._routing import SweepRouting
from orkit.plan._schema_default import with_sweep_schema
from orkit.plan._scorer_columns import check_scorer_columns
from orkit.plan._server import key_info, models_not_found, server_catalog
from orkit.plan._services import (
    cache_for,
    cache_ident,
    cache_path,
    new_budget,
    worst_case_for,
)
from orkit.plan._spec import load_spec, resolve_scorer_paths, spec_from_dict
from orkit.plan._spec_write import dump_spec, sweep_to_spec
from orkit.plan._streaming import StreamChoice
from orkit.plan._sweep import SweepDefinition
from orkit.results import (
    Contestant,
    Model,
    contestants_of,
    endpoint_short,
    model_entry,
    shown_contestants,
)

__all__ = [
    "ENDPOINT_KINDS",
    "REQUEST_FIELDS",
    "BaseUrlGuard",
    "Breakpoints",
    "Contestant",
    "Endpoint",
    "InFlight",
    "Model",
    "Plan",
    "ResponseFormat",
    "RunRouting",
    "SentAs",
    "StreamChoice",
    "SweepDefinition",
    "SweepRouting",
    "adopt_drift",
    "budget_prices",
    "cache_for",
    "cache_ident",
    "cache_path",
    "calibration_endpoint",
    "chain_of",
    "check_endpoint",
    "check_judge_models",
    "check_param_support",
    "check_routes",
    "check_routes_of",
    "check_scorer_columns",
    "check_served",
    "content_drift",
    "contestant_endpoints",
    "contestants_of",
    "daily_quota",
    "dump_spec",
    "embedding_prices",
    "endpoint_groups",
    "endpoint_router",
    "endpoint_short",
    "fallback_models",
    "group_sweep",
    "in_flight",
    "is_local_server",
    "key_info",
    "lane_copy_writer",
    "load_route_endpoints",
    "load_spec",
    "model_entry",
    "models_not_found",
    "new_budget",
    "open_client",
    "own_endpoint_sweeps",
    "param_warnings",
    "plan_sweep",
    "preflight_async",
    "prepare",
    "price_catalog",
    "prompt_files",
    "refused_access",
    "resolve_endpoint",
    "resolve_scorer_paths",
    "resolved_spec",
    "response_format_json_object",
    "response_format_json_schema",
    "route_models",
    "router_options_for",
    "run_routing",
    "seed_quota",
    "server_catalog",
    "shown_contestants",
    "sim_config",
    "spec_endpoint",
    "spec_from_dict",
    "stored_sweep",
    "sweep_client",
    "sweep_to_spec",
    "validate_dataset",
    "with_sweep_schema",
    "worst_case_for",
    "write_dataset_copy",
    "wrong_base_url_line",
]
