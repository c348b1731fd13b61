-- Fulfilment: shipment requisitions (需货申请单), shipments — outbound notes
-- (销售出库单) and return receipts (红字出库单) —, controlled documents with
-- their prints (提货证明单不允许重新打印) and reprint requests, and return
-- requests (退货详单). Conventions as in V002: money *_minor in the order's
-- currency, states are enum names without prefix, `version` is the etag.
-- Approval steps live in approval_steps (subject_type SHIPMENT_REQUISITION,
-- RETURN_REQUEST, REPRINT_REQUEST); audit rows in audit_entries.

CREATE TABLE shipment_requisitions (
  id                 BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  requisition_number VARCHAR(32)   NOT NULL,   -- SR-YYYY-NNNNNN
  order_id           BIGINT        NOT NULL,
  planned_ship_date  DATE          NOT NULL,
  ship_to_address    VARCHAR(500)  NOT NULL DEFAULT '',
  carrier            VARCHAR(200)  NOT NULL DEFAULT '',
  notes              VARCHAR(2000) NOT NULL DEFAULT '',
  status             VARCHAR(24)   NOT NULL,
  status_reason      VARCHAR(1000) NOT NULL DEFAULT '',
  requester_user     VARCHAR(64)   NOT NULL,
  requester_role     VARCHAR(32)   NOT NULL DEFAULT '',
  requester_rep      BIGINT        NOT NULL DEFAULT 0,
  requester_unit     BIGINT        NOT NULL DEFAULT 0,
  version            BIGINT        NOT NULL DEFAULT 1,
  created_at         DATETIME(6)   NOT NULL,
  updated_at         DATETIME(6)   NOT NULL,
  UNIQUE KEY uk_shipment_requisitions_number (requisition_number),
  KEY ix_shipment_requisitions_order (order_id, id),
  KEY ix_shipment_requisitions_status (status, id)
) ENGINE=InnoDB;

-- requested − shipped of an open requisition (PENDING_APPROVAL, APPROVED,
-- PARTIALLY_SHIPPED) is held against the line's reservation in warehouse_id.
CREATE TABLE shipment_requisition_lines (
  id               BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  requisition_id   BIGINT      NOT NULL,
  order_line_id    BIGINT      NOT NULL,
  product_id       BIGINT      NOT NULL,
  sku              VARCHAR(64) NOT NULL,
  warehouse_id     BIGINT      NOT NULL,
  quantity         BIGINT      NOT NULL,
  shipped_quantity BIGINT      NOT NULL DEFAULT 0,
  KEY ix_requisition_lines_req (requisition_id, id),
  KEY ix_requisition_lines_order_line (order_line_id, warehouse_id),
  CONSTRAINT ck_requisition_lines_bounds CHECK (quantity > 0 AND shipped_quantity >= 0
                                                AND shipped_quantity <= quantity)
) ENGINE=InnoDB;

-- Outbound notes (kind OUTBOUND, quantities > 0) and return receipts (kind
-- RETURN, quantities and amounts < 0). One warehouse per shipment.
CREATE TABLE shipments (
  id                   BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  shipment_number      VARCHAR(32)   NOT NULL,   -- OUT-YYYY-NNNNNN | RET-YYYY-NNNNNN
  kind                 VARCHAR(16)   NOT NULL,
  order_id             BIGINT        NOT NULL,
  requisition_id       BIGINT        NOT NULL DEFAULT 0,
  return_request_id    BIGINT        NOT NULL DEFAULT 0,
  warehouse_id         BIGINT        NOT NULL,
  customer_id          BIGINT        NOT NULL,
  credited_rep_id      BIGINT        NOT NULL DEFAULT 0,
  credited_org_unit_id BIGINT        NOT NULL DEFAULT 0,
  currency             CHAR(3)       NOT NULL,
  total_minor          BIGINT        NOT NULL,
  cost_minor           BIGINT        NOT NULL,
  ship_date            DATE          NOT NULL,
  status               VARCHAR(16)   NOT NULL,   -- POSTED | DELIVERED
  delivery_date        DATE          NULL,
  signed_by            VARCHAR(200)  NOT NULL DEFAULT '',
  document_reference   VARCHAR(200)  NOT NULL DEFAULT '',
  delivery_remarks     VARCHAR(1000) NOT NULL DEFAULT '',
  recorded_user        VARCHAR(64)   NOT NULL DEFAULT '',
  recorded_role        VARCHAR(32)   NOT NULL DEFAULT '',
  recorded_rep         BIGINT        NOT NULL DEFAULT 0,
  recorded_unit        BIGINT        NOT NULL DEFAULT 0,
  recorded_at          DATETIME(6)   NULL,
  posted_user          VARCHAR(64)   NOT NULL DEFAULT '',
  posted_role          VARCHAR(32)   NOT NULL DEFAULT '',
  posted_rep           BIGINT        NOT NULL DEFAULT 0,
  posted_unit          BIGINT        NOT NULL DEFAULT 0,
  version              BIGINT        NOT NULL DEFAULT 1,
  created_at           DATETIME(6)   NOT NULL,
  updated_at           DATETIME(6)   NOT NULL,
  UNIQUE KEY uk_shipments_number (shipment_number),
  KEY ix_shipments_order (order_id, id),
  KEY ix_shipments_customer (customer_id, id),
  KEY ix_shipments_date (ship_date, kind),
  KEY ix_shipments_rep_date (credited_rep_id, ship_date)
) ENGINE=InnoDB;

CREATE TABLE shipment_lines (
  id                BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  shipment_id       BIGINT      NOT NULL,
  order_line_id     BIGINT      NOT NULL,
  requisition_line_id BIGINT    NOT NULL DEFAULT 0,
  return_line_id    BIGINT      NOT NULL DEFAULT 0,
  product_id        BIGINT      NOT NULL,
  sku               VARCHAR(64) NOT NULL,
  product_line_id   BIGINT      NOT NULL,
  quantity          BIGINT      NOT NULL,   -- signed
  unit_price_minor  BIGINT      NOT NULL,
  net_amount_minor  BIGINT      NOT NULL,   -- signed
  cost_amount_minor BIGINT      NOT NULL,   -- signed
  item_condition    VARCHAR(16) NOT NULL DEFAULT '',
  KEY ix_shipment_lines_shipment (shipment_id, id),
  KEY ix_shipment_lines_order_line (order_line_id)
) ENGINE=InnoDB;

-- Controlled documents. print_count counts every print, the original included.
CREATE TABLE shipping_documents (
  id               BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  type             VARCHAR(24) NOT NULL,   -- PICKUP_CERTIFICATE | OUTBOUND_NOTE | RETURN_RECEIPT
  document_number  VARCHAR(32) NOT NULL,   -- PU- / OUT- / RET- numbers
  order_id         BIGINT      NOT NULL,
  requisition_id   BIGINT      NOT NULL DEFAULT 0,
  shipment_id      BIGINT      NOT NULL DEFAULT 0,
  print_count      INT         NOT NULL DEFAULT 0,
  first_print_at   DATETIME(6) NULL,
  last_print_at    DATETIME(6) NULL,
  version          BIGINT      NOT NULL DEFAULT 1,
  created_at       DATETIME(6) NOT NULL,
  UNIQUE KEY uk_shipping_documents_number (type, document_number),
  KEY ix_shipping_documents_order (order_id, id)
) ENGINE=InnoDB;

-- One row per print: who printed which copy, and whether it was a duplicate.
CREATE TABLE document_prints (
  id                 BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  document_id        BIGINT       NOT NULL,
  copy_number        INT          NOT NULL,
  duplicate          TINYINT      NOT NULL,
  reprint_request_id BIGINT       NOT NULL DEFAULT 0,
  printed_user       VARCHAR(64)  NOT NULL DEFAULT '',
  printed_role       VARCHAR(32)  NOT NULL DEFAULT '',
  request_id         VARCHAR(64)  NOT NULL DEFAULT '',
  printed_at         DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_document_prints_copy (document_id, copy_number)
) ENGINE=InnoDB;

CREATE TABLE reprint_requests (
  id             BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  document_id    BIGINT        NOT NULL,
  reason         VARCHAR(1000) NOT NULL,
  status         VARCHAR(24)   NOT NULL,
  requester_user VARCHAR(64)   NOT NULL,
  requester_role VARCHAR(32)   NOT NULL DEFAULT '',
  requester_rep  BIGINT        NOT NULL DEFAULT 0,
  requester_unit BIGINT        NOT NULL DEFAULT 0,
  version        BIGINT        NOT NULL DEFAULT 1,
  created_at     DATETIME(6)   NOT NULL,
  updated_at     DATETIME(6)   NOT NULL,
  KEY ix_reprint_requests_document (document_id, status)
) ENGINE=InnoDB;

CREATE TABLE return_requests (
  id                 BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  request_number     VARCHAR(32)   NOT NULL,   -- RR-YYYY-NNNNNN
  order_id           BIGINT        NOT NULL,
  customer_id        BIGINT        NOT NULL,
  credited_rep_id    BIGINT        NOT NULL DEFAULT 0,
  credited_org_unit_id BIGINT      NOT NULL DEFAULT 0,
  currency           CHAR(3)       NOT NULL,
  reason             VARCHAR(1000) NOT NULL,
  status             VARCHAR(16)   NOT NULL,
  verification_notes VARCHAR(2000) NOT NULL DEFAULT '',
  verified_user      VARCHAR(64)   NOT NULL DEFAULT '',
  verified_role      VARCHAR(32)   NOT NULL DEFAULT '',
  verified_rep       BIGINT        NOT NULL DEFAULT 0,
  verified_unit      BIGINT        NOT NULL DEFAULT 0,
  return_shipment_id BIGINT        NOT NULL DEFAULT 0,  -- first return receipt
  status_reason      VARCHAR(1000) NOT NULL DEFAULT '',
  requester_user     VARCHAR(64)   NOT NULL,
  requester_role     VARCHAR(32)   NOT NULL DEFAULT '',
  requester_rep      BIGINT        NOT NULL DEFAULT 0,
  requester_unit     BIGINT        NOT NULL DEFAULT 0,
  version            BIGINT        NOT NULL DEFAULT 1,
  created_at         DATETIME(6)   NOT NULL,
  updated_at         DATETIME(6)   NOT NULL,
  UNIQUE KEY uk_return_requests_number (request_number),
  KEY ix_return_requests_order (order_id, status),
  KEY ix_return_requests_customer (customer_id, id),
  KEY ix_return_requests_rep (credited_rep_id, id)
) ENGINE=InnoDB;

CREATE TABLE return_lines (
  id                 BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  return_request_id  BIGINT      NOT NULL,
  order_line_id      BIGINT      NOT NULL,
  product_id         BIGINT      NOT NULL,
  sku                VARCHAR(64) NOT NULL,
  shipment_id        BIGINT      NOT NULL DEFAULT 0,
  requested_quantity BIGINT      NOT NULL,
  claimed_condition  VARCHAR(16) NOT NULL,
  verified_quantity  BIGINT      NULL,       -- NULL until verified
  verified_condition VARCHAR(16) NOT NULL DEFAULT '',
  unit_price_minor   BIGINT      NOT NULL,
  KEY ix_return_lines_request (return_request_id, id),
  KEY ix_return_lines_order_line (order_line_id)
) ENGINE=InnoDB;
