-- Schema 1 to 2: the graph analyses (node_analysis, attack_paths), node and
-- edge indices for fast reloads, and the risk of findings.
ALTER TABLE nodes ADD COLUMN idx INTEGER;
ALTER TABLE nodes ADD COLUMN graph_flags UTINYINT;
ALTER TABLE edges ADD COLUMN src_idx INTEGER;
ALTER TABLE edges ADD COLUMN dst_idx INTEGER;
ALTER TABLE findings ADD COLUMN risk INTEGER;

CREATE TABLE node_analysis (
    scan_id         VARCHAR   NOT NULL,
    node_id         VARCHAR   NOT NULL,
    idx             INTEGER   NOT NULL,
    risk            INTEGER   NOT NULL,
    factors         VARCHAR[] NOT NULL,
    reach           INTEGER   NOT NULL,
    reach_truncated BOOLEAN   NOT NULL,
    target          VARCHAR,
    distance        INTEGER
);

CREATE TABLE attack_paths (
    scan_id VARCHAR NOT NULL,
    source  VARCHAR NOT NULL,
    target  VARCHAR NOT NULL,
    length  INTEGER NOT NULL,
    path    JSON    NOT NULL
);
