-- The views of the store, recreated on every open for writing, so they follow
-- the schema. `nodes`, `edges` and `node_analysis` show the stored rows
-- (node_rows, edge_rows, analysis_rows) with ids, details and factor names;
-- the latest_* views narrow them to the latest scan, for `nhiscope query`.
-- {FACTOR_NAMES} is replaced by the list of factor names in bit order, and
-- {NODE_CLASSES}, {NODE_TYPES} (a list per class) and {EDGE_KINDS} by the
-- names the stored codes stand for, in code order.

CREATE OR REPLACE VIEW nodes AS
    SELECT scan_id, id,
           {NODE_CLASSES}[(kind_code >> 8) + 1] AS kind,
           {NODE_TYPES}[(kind_code >> 8) + 1][(kind_code & 255) + 1] AS type,
           name, provider,
           details->>'native_id' AS native_id,
           details->>'scope' AS scope,
           collector, created_at, last_used_at,
           make_timestamp((details->>'expires_at')::BIGINT) AS expires_at,
           make_timestamp((details->>'rotated_at')::BIGINT) AS rotated_at,
           coalesce(details->'labels', '{}'::JSON) AS labels,
           coalesce(details->'attributes', '{}'::JSON) AS attributes,
           details->>'secret_fingerprint' AS secret_fingerprint,
           details->>'secret_preview' AS secret_preview,
           (details->>'secret_length')::BIGINT AS secret_length,
           idx, graph_flags
    FROM node_rows;

CREATE OR REPLACE VIEW edges AS
    SELECT e.scan_id, coalesce(e.details->>'src', s.id) AS src,
           {EDGE_KINDS}[e.kind_code + 1] AS kind,
           coalesce(e.details->>'dst', d.id) AS dst,
           coalesce(e.details->'attributes', '{}'::JSON) AS attributes, e.src_idx, e.dst_idx
    FROM edge_rows e
    LEFT JOIN node_rows s ON s.scan_id = e.scan_id AND s.idx = e.src_idx
    LEFT JOIN node_rows d ON d.scan_id = e.scan_id AND d.idx = e.dst_idx;

CREATE OR REPLACE VIEW node_analysis AS
    SELECT a.scan_id, coalesce(a.node_ref, n.id) AS node_id, a.idx, a.risk,
           list_filter({FACTOR_NAMES}, lambda name, bit: (a.factor_bits >> (bit - 1)) & 1 = 1) AS factors,
           a.reach, a.reach_truncated, coalesce(a.target_ref, t.id) AS target, a.distance
    FROM analysis_rows a
    LEFT JOIN node_rows n ON a.node_ref IS NULL AND n.scan_id = a.scan_id AND n.idx = a.idx
    LEFT JOIN node_rows t ON a.target_ref IS NULL AND t.scan_id = a.scan_id AND t.idx = a.target_idx;

CREATE OR REPLACE VIEW latest_scan AS
    SELECT * FROM scans ORDER BY number DESC LIMIT 1;

CREATE OR REPLACE VIEW latest_nodes AS
    SELECT n.* FROM nodes n JOIN latest_scan s ON n.scan_id = s.id;

CREATE OR REPLACE VIEW latest_edges AS
    SELECT e.* FROM edges e JOIN latest_scan s ON e.scan_id = s.id;

CREATE OR REPLACE VIEW latest_findings AS
    SELECT f.* FROM findings f JOIN latest_scan s ON f.scan_id = s.id;

CREATE OR REPLACE VIEW latest_risk AS
    SELECT a.node_id, n.kind, n.type, n.name, n.provider, n.scope, n.native_id,
           a.risk, a.factors, a.reach, a.reach_truncated, a.target, a.distance,
           n.created_at, n.last_used_at
    FROM node_analysis a
    JOIN latest_scan s ON a.scan_id = s.id
    JOIN nodes n ON n.scan_id = a.scan_id AND n.idx = a.idx;

CREATE OR REPLACE VIEW latest_attack_paths AS
    SELECT p.* FROM attack_paths p JOIN latest_scan s ON p.scan_id = s.id;
