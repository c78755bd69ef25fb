-- Schema 2 to 3: nodes, edges and node analyses are stored compactly
-- (node_rows, edge_rows, analysis_rows: kinds as codes, endpoints and
-- targets by index, factors as bits, empty details left out) and shown by
-- views of the old names (views.sql, created after the migrations). Rows
-- keep their order. {...} lists are filled in as for views.sql.
CREATE TABLE node_rows (
    scan_id      VARCHAR NOT NULL,
    idx          INTEGER,
    id           VARCHAR NOT NULL,
    kind_code    USMALLINT NOT NULL,
    name         VARCHAR NOT NULL,
    provider     VARCHAR NOT NULL,
    collector    VARCHAR NOT NULL,
    created_at   TIMESTAMP,
    last_used_at TIMESTAMP,
    graph_flags  UTINYINT,
    details      JSON
);

INSERT INTO node_rows
SELECT scan_id, idx, id,
       ((list_position({NODE_CLASSES}, kind) - 1) << 8)
         | (list_position({NODE_TYPES}[list_position({NODE_CLASSES}, kind)], type) - 1),
       name, provider, collector, created_at, last_used_at, graph_flags,
       CASE WHEN native_id IS NULL AND scope IS NULL AND expires_at IS NULL AND rotated_at IS NULL
                 AND labels::VARCHAR = '{}' AND attributes::VARCHAR = '{}' AND secret_fingerprint IS NULL
            THEN NULL
            ELSE json_object(
                'native_id', native_id, 'scope', scope,
                'expires_at', epoch_us(expires_at), 'rotated_at', epoch_us(rotated_at),
                'labels', labels, 'attributes', attributes,
                'secret_fingerprint', secret_fingerprint, 'secret_preview', secret_preview,
                'secret_length', secret_length)
       END
FROM nodes ORDER BY rowid;

CREATE TABLE edge_rows (
    scan_id   VARCHAR NOT NULL,
    src_idx   INTEGER,
    kind_code UTINYINT NOT NULL,
    dst_idx   INTEGER,
    details   JSON
);

-- An end keeps its id unless a stored node of the scan has its index.
INSERT INTO edge_rows
SELECT e.scan_id, e.src_idx, list_position({EDGE_KINDS}, e.kind) - 1, e.dst_idx,
       CASE WHEN s.idx IS NULL OR d.idx IS NULL OR e.attributes::VARCHAR <> '{}' THEN
           json_merge_patch(json_merge_patch(
               CASE WHEN s.idx IS NULL THEN json_object('src', e.src) ELSE '{}'::JSON END,
               CASE WHEN d.idx IS NULL THEN json_object('dst', e.dst) ELSE '{}'::JSON END),
               CASE WHEN e.attributes::VARCHAR <> '{}' THEN json_object('attributes', e.attributes)
                    ELSE '{}'::JSON END)
       END
FROM edges e
LEFT JOIN nodes s ON s.scan_id = e.scan_id AND s.idx = e.src_idx AND s.id = e.src
LEFT JOIN nodes d ON d.scan_id = e.scan_id AND d.idx = e.dst_idx AND d.id = e.dst
ORDER BY e.rowid;

CREATE TABLE analysis_rows (
    scan_id         VARCHAR  NOT NULL,
    idx             INTEGER  NOT NULL,
    risk            INTEGER  NOT NULL,
    factor_bits     INTEGER  NOT NULL,
    reach           INTEGER  NOT NULL,
    reach_truncated BOOLEAN  NOT NULL,
    target_idx      INTEGER,
    distance        INTEGER,
    node_ref        VARCHAR,
    target_ref      VARCHAR
);

-- Factor names become bits in the order of analysis::FACTORS; the target's
-- index comes from the stored node of that id.
INSERT INTO analysis_rows
SELECT a.scan_id, a.idx, a.risk,
       list_sum([CASE WHEN list_contains(a.factors, name) THEN 1 << (bit - 1) ELSE 0 END
                 FOR name, bit IN {FACTOR_NAMES}])::INTEGER,
       a.reach, a.reach_truncated, t.idx, a.distance,
       CASE WHEN n.id IS NULL THEN a.node_id END,
       CASE WHEN a.target IS NOT NULL AND t.idx IS NULL THEN a.target END
FROM node_analysis a
LEFT JOIN nodes n ON n.scan_id = a.scan_id AND n.idx = a.idx AND n.id = a.node_id
LEFT JOIN nodes t ON t.scan_id = a.scan_id AND t.id = a.target AND t.idx IS NOT NULL
ORDER BY a.rowid;

DROP TABLE nodes;
DROP TABLE edges;
DROP TABLE node_analysis;
