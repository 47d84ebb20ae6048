"""Fault injection for the local BioSamples stand-in.

Configuration (``--faults`` inline JSON or a file path; ``POST /_admin/faults`` at run
time replaces it; ``GET /_admin/faults`` shows it)::

    {
      "seed": 42,                      # random faults are reproducible for a seed
      "latency_ms": 20,                # fixed delay before every answer
      "search_lag_seconds": 2,         # new samples reach search/accessions N s later
      "token_ttl_seconds": 5,          # tokens issued from now on live N s (any ?ttl=)
      "token_clock_skew_seconds": 0,   # server clock for token checks runs ahead by N s
      "rules": [
        {"type": "status", "status": 503, "retry_after": "1", "rate": 0.2},
        {"type": "status", "status": 429, "retry_after": "2", "count": 2,
         "methods": ["POST"], "path": "^/biosamples/samples$"},
        {"type": "html", "rate": 0.1},
        {"type": "drop", "count": 1},          # close the socket, request not processed
        {"type": "drop_after", "count": 1},    # process the request, then close the socket
        {"type": "latency", "latency_ms": 500, "rate": 0.5}
      ]
    }

Rule fields: ``type`` (``status`` | ``html`` | ``drop`` | ``drop_after`` | ``latency``);
``rate`` (probability 0..1, default 1); ``count`` (fire at most N times, default
unlimited); ``skip`` (let the first N matching requests through); ``methods`` (list);
``path`` (regular expression searched in the URL path); ``status`` and
``retry_after`` (seconds or an HTTP date; omitted = no header) for ``status`` rules;
``latency_ms`` for ``latency`` rules. The first rule that fires decides (``latency``
rules add their delay and let evaluation continue). ``/_admin`` requests are never faulted.
"""

from __future__ import annotations

import json
import random
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RULE_TYPES = {"status", "html", "drop", "drop_after", "latency"}


@dataclass(slots=True)
class Rule:
    """One fault rule (see the module docstring)."""

    type: str
    rate: float = 1.0
    count: int | None = None
    skip: int = 0
    methods: tuple[str, ...] = ()
    path: re.Pattern[str] | None = None
    status: int = 503
    retry_after: str | None = None
    latency_ms: float = 0.0
    seen: int = 0
    fired: int = 0

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Rule:
        """Validate and build a rule."""
        kind = raw.get("type")
        if kind not in RULE_TYPES:
            raise ValueError(f"fault rule type must be one of {sorted(RULE_TYPES)}: {raw!r}")
        retry_after = raw.get("retry_after")
        return cls(
            type=str(kind),
            rate=float(raw.get("rate", 1.0)),
            count=None if raw.get("count") is None else int(raw["count"]),
            skip=int(raw.get("skip", 0)),
            methods=tuple(m.upper() for m in raw.get("methods") or ()),
            path=re.compile(raw["path"]) if raw.get("path") else None,
            status=int(raw.get("status", 503)),
            retry_after=None if retry_after is None else str(retry_after),
            latency_ms=float(raw.get("latency_ms", 0.0)),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON view, with counters."""
        return {"type": self.type, "rate": self.rate, "count": self.count, "skip": self.skip,
                "methods": list(self.methods), "path": self.path.pattern if self.path else None,
                "status": self.status, "retry_after": self.retry_after,
                "latency_ms": self.latency_ms, "seen": self.seen, "fired": self.fired}


@dataclass(slots=True)
class Decision:
    """What to do with one request."""

    delay_s: float = 0.0
    action: str | None = None  # status | html | drop | drop_after
    rule: Rule | None = None


@dataclass(slots=True)
class FaultConfig:
    """The active fault configuration."""

    seed: int | None = None
    latency_ms: float = 0.0
    search_lag_seconds: float = 0.0
    token_ttl_seconds: float | None = None
    token_clock_skew_seconds: float = 0.0
    rules: list[Rule] = field(default_factory=list)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FaultConfig:
        """Validate and build a configuration; unknown keys are an error."""
        known = {"seed", "latency_ms", "search_lag_seconds", "token_ttl_seconds",
                 "token_clock_skew_seconds", "rules"}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        ttl = raw.get("token_ttl_seconds")
        return cls(
            seed=None if raw.get("seed") is None else int(raw["seed"]),
            latency_ms=float(raw.get("latency_ms", 0.0)),
            search_lag_seconds=float(raw.get("search_lag_seconds", 0.0)),
            token_ttl_seconds=None if ttl is None else float(ttl),
            token_clock_skew_seconds=float(raw.get("token_clock_skew_seconds", 0.0)),
            rules=[Rule.from_dict(r) for r in raw.get("rules") or []],
        )

    @classmethod
    def from_option(cls, value: str | None) -> FaultConfig:
        """Parse ``--faults``: inline JSON or a path to a JSON file."""
        if not value:
            return cls()
        text = value if value.lstrip().startswith("{") else Path(value).read_text("utf-8")
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("fault configuration must be a JSON object")
        return cls.from_dict(raw)

    def to_dict(self) -> dict[str, Any]:
        """JSON view of the configuration and rule counters."""
        return {"seed": self.seed, "latency_ms": self.latency_ms,
                "search_lag_seconds": self.search_lag_seconds,
                "token_ttl_seconds": self.token_ttl_seconds,
                "token_clock_skew_seconds": self.token_clock_skew_seconds,
                "rules": [r.to_dict() for r in self.rules]}


class FaultInjector:
    """Holds the configuration and decides, under a lock, each request's fate."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.config = config or FaultConfig()
        self._rng = random.Random(self.config.seed)
        self.injected: dict[str, int] = {}

    def replace(self, config: FaultConfig) -> None:
        """Install a new configuration (re-seeding the random source)."""
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)
            self.injected = {}

    def decide(self, method: str, path: str) -> Decision:
        """Decide the fate of one request."""
        with self._lock:
            decision = Decision(delay_s=self.config.latency_ms / 1000.0)
            for rule in self.config.rules:
                if rule.methods and method.upper() not in rule.methods:
                    continue
                if rule.path is not None and not rule.path.search(path):
                    continue
                if rule.count is not None and rule.fired >= rule.count:
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    continue
                if rule.rate < 1.0 and self._rng.random() >= rule.rate:
                    continue
                rule.fired += 1
                self.injected[rule.type] = self.injected.get(rule.type, 0) + 1
                if rule.type == "latency":
                    decision.delay_s += rule.latency_ms / 1000.0
                    continue
                decision.action = rule.type
                decision.rule = rule
                break
            return decision
