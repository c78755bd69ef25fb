-- The nhiscope store, schema version 3 (migrations/ upgrades older stores).
--
-- Every table but schema_version is keyed by scan: a scan is written whole, in
-- one transaction, and never changed afterwards. All timestamps are UTC.
-- docs/store.md describes each table for `nhiscope query` users.

CREATE TABLE schema_version (
    version    INTEGER NOT NULL,
    written_by VARCHAR NOT NULL
);

CREATE TABLE scans (
    id           VARCHAR   NOT NULL PRIMARY KEY, -- UUID v7
    number       BIGINT    NOT NULL UNIQUE,      -- 1, 2, ... in this store
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP NOT NULL,
    tool_version VARCHAR   NOT NULL,
    status       VARCHAR   NOT NULL,             -- complete | incomplete | interrupted
    sources      JSON      NOT NULL              -- [{collector, targets, succeeded, items_scanned, duration_ms}]
);

CREATE TABLE source_errors (
    scan_id   VARCHAR NOT NULL,
    collector VARCHAR NOT NULL,
    location  VARCHAR,
    message   VARCHAR NOT NULL,
    fatal     BOOLEAN NOT NULL
);

CREATE TABLE skipped (
    scan_id   VARCHAR NOT NULL,
    collector VARCHAR NOT NULL,
    location  VARCHAR NOT NULL,
    reason    VARCHAR NOT NULL,
    size      BIGINT
);

-- Nodes as stored; the view `nodes` (views.sql) shows them with every
-- detail as its own column. A node's details that are empty or default
-- (no native id, scope, expiry, rotation, labels, attributes or secret) are
-- not stored at all, so a large estate costs a few columns per node.
CREATE TABLE node_rows (
    scan_id      VARCHAR NOT NULL,
    idx          INTEGER,          -- the node's index in the scan's access graph
    id           VARCHAR NOT NULL,
    kind_code    USMALLINT NOT NULL, -- class position * 256 + type position (the view decodes it)
    name         VARCHAR NOT NULL,
    provider     VARCHAR NOT NULL,
    collector    VARCHAR NOT NULL,
    created_at   TIMESTAMP,
    last_used_at TIMESTAMP,
    graph_flags  UTINYINT,         -- exposed 1, admin 2, crown jewel 4, live 8, inactive 16, long-lived 32
    details      JSON              -- {native_id, scope, expires_at, rotated_at (epoch microseconds), labels,
                                   --  attributes, secret_fingerprint, secret_preview, secret_length}; NULL: none
);

-- Edges as stored, by node index; the view `edges` adds the ids.
CREATE TABLE edge_rows (
    scan_id   VARCHAR NOT NULL,
    src_idx   INTEGER,
    kind_code UTINYINT NOT NULL, -- position in the edge kinds (the view decodes it)
    dst_idx   INTEGER,
    details   JSON               -- {src, dst: an end's id when it cannot be found by index (not a
                                 --  stored node, or a scan stored without its graph), attributes};
                                 -- NULL: none
);

CREATE TABLE findings (
    scan_id              VARCHAR NOT NULL,
    fingerprint          VARCHAR NOT NULL, -- stable across scans
    rule_id              VARCHAR NOT NULL,
    severity             VARCHAR NOT NULL, -- critical | high | medium | low | info
    severity_rank        INTEGER NOT NULL, -- 4 critical ... 0 info
    title                VARCHAR NOT NULL,
    message              VARCHAR NOT NULL,
    node_ids             JSON NOT NULL,    -- ["aws:iam_user:arn:...", ...]
    location             JSON NOT NULL,    -- {"type":"file","path":...} or {"type":"resource",...}
    path                 VARCHAR,          -- file findings: the path
    line                 INTEGER,          -- file findings: the 1-based line
    resource             VARCHAR,          -- resource findings: ARN, namespace/kind/name
    remediation          VARCHAR NOT NULL,
    evidence_fingerprint VARCHAR,
    evidence_preview     VARCHAR,
    evidence_length      BIGINT,
    tags                 JSON NOT NULL,
    provenance           JSON,             -- {commit, author, date, path, commits, paths} for secrets in version control
    risk                 INTEGER           -- 0-100: the risk of the riskiest node it is about
);

-- The graph analyses of each scan, one row per identity and credential, by
-- node index; the view `node_analysis` adds ids and factor names.
CREATE TABLE analysis_rows (
    scan_id         VARCHAR  NOT NULL,
    idx             INTEGER  NOT NULL,
    risk            INTEGER  NOT NULL, -- 0-100
    factor_bits     INTEGER  NOT NULL, -- the factors (analysis::FACTORS), one bit each
    reach           INTEGER  NOT NULL, -- nodes reachable over access edges (itself included)
    reach_truncated BOOLEAN  NOT NULL, -- reach stopped at the limit: the true count is larger
    target_idx      INTEGER,           -- the nearest admin-equivalent or crown-jewel node
    distance        INTEGER,           -- edges to it
    node_ref        VARCHAR,           -- the node's id when it is not a stored node
    target_ref      VARCHAR            -- the target's id when it is not a stored node
);

-- Paths from exposed or long-lived credentials to their nearest high-value target.
CREATE TABLE attack_paths (
    scan_id VARCHAR NOT NULL,
    source  VARCHAR NOT NULL,
    target  VARCHAR NOT NULL,
    length  INTEGER NOT NULL, -- edges
    path    JSON    NOT NULL  -- [{"node": id}, {"via": "authenticates_as", "node": id}, ...]
);
