-- The nhiscope store, schema version 2 (migrations/ upgrades older stores).
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

CREATE TABLE nodes (
    scan_id            VARCHAR NOT NULL,
    id                 VARCHAR NOT NULL,
    kind               VARCHAR NOT NULL, -- workload | identity | credential | permission | resource | owner | source
    type               VARCHAR NOT NULL, -- access_key, iam_role, pod, ...
    name               VARCHAR NOT NULL,
    provider           VARCHAR NOT NULL,
    native_id          VARCHAR,
    scope              VARCHAR,
    collector          VARCHAR NOT NULL,
    created_at         TIMESTAMP,
    last_used_at       TIMESTAMP,
    expires_at         TIMESTAMP,
    rotated_at         TIMESTAMP,
    labels             JSON NOT NULL,
    attributes         JSON NOT NULL,
    secret_fingerprint VARCHAR,          -- sha256 of the secret value, never the value
    secret_preview     VARCHAR,
    secret_length      BIGINT,
    idx                INTEGER,          -- the node's index in the scan's access graph
    graph_flags        UTINYINT          -- exposed 1, admin 2, crown jewel 4, live 8, inactive 16, long-lived 32
);

CREATE TABLE edges (
    scan_id    VARCHAR NOT NULL,
    src        VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL, -- uses | authenticates_as | holds | can_assume | ...
    dst        VARCHAR NOT NULL,
    attributes JSON NOT NULL,
    src_idx    INTEGER,          -- nodes.idx of src and dst; NULL when an endpoint is not a node
    dst_idx    INTEGER
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

-- The graph analyses of each scan: one row per identity and credential.
CREATE TABLE node_analysis (
    scan_id         VARCHAR   NOT NULL,
    node_id         VARCHAR   NOT NULL,
    idx             INTEGER   NOT NULL,
    risk            INTEGER   NOT NULL, -- 0-100
    factors         VARCHAR[] NOT NULL, -- exposed, exposed-live, admin, crown-jewel, wide-reach, ...
    reach           INTEGER   NOT NULL, -- nodes reachable over access edges (itself included)
    reach_truncated BOOLEAN   NOT NULL, -- reach stopped at the limit: the true count is larger
    target          VARCHAR,            -- the nearest admin-equivalent or crown-jewel node
    distance        INTEGER             -- edges to it
);

-- Paths from exposed or long-lived credentials to their nearest high-value target.
CREATE TABLE attack_paths (
    scan_id VARCHAR NOT NULL,
    source  VARCHAR NOT NULL,
    target  VARCHAR NOT NULL,
    length  INTEGER NOT NULL, -- edges
    path    JSON    NOT NULL  -- [{"node": id}, {"via": "authenticates_as", "node": id}, ...]
);
