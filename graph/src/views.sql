-- Views over the latest scan, for `nhiscope query`. Recreated on every open
-- for writing, so they follow the schema.

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
    JOIN nodes n ON n.scan_id = a.scan_id AND n.id = a.node_id;

CREATE OR REPLACE VIEW latest_attack_paths AS
    SELECT p.* FROM attack_paths p JOIN latest_scan s ON p.scan_id = s.id;
