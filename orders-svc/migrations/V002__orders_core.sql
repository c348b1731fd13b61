-- Orders core: price lists, order policy, quotes, sales orders, approvals,
-- audit, warehouses, stock levels, reservations and the stock ledger.
--
-- Conventions used throughout (shared with the fulfilment tables V020+):
--   * money: *_minor BIGINT in minor units (fen) of the row's `currency`;
--   * states: VARCHAR holding the proto enum name WITHOUT its prefix, e.g.
--     sales_orders.status = 'CONFIRMED' (OrderStatus ORDER_STATUS_CONFIRMED);
--   * `version` is the etag counter ("v<version>"), bumped on every change;
--   * business dates are DATE in the company time zone; instants DATETIME(6) UTC.

-- Product lifecycle and print text (proto Product.status/status_reason/specification).
ALTER TABLE products
  ADD COLUMN status        VARCHAR(16)   NOT NULL DEFAULT 'ACTIVE' AFTER commissionable,
  ADD COLUMN status_reason VARCHAR(500)  NOT NULL DEFAULT '' AFTER status,
  ADD COLUMN specification VARCHAR(500)  NOT NULL DEFAULT '' AFTER status_reason;

-- Price lists (目录价格). Periods are inclusive business dates; effective_to NULL
-- means open-ended. For one product the periods of ACTIVE lists never overlap
-- (checked by the service under a lock on the product rows).
CREATE TABLE price_lists (
  id             BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code           VARCHAR(64)   NOT NULL,
  name           VARCHAR(200)  NOT NULL,
  currency       CHAR(3)       NOT NULL,
  effective_from DATE          NOT NULL,
  effective_to   DATE          NULL,
  status         VARCHAR(16)   NOT NULL DEFAULT 'ACTIVE',   -- ACTIVE | RETIRED
  status_reason  VARCHAR(500)  NOT NULL DEFAULT '',
  version        BIGINT        NOT NULL DEFAULT 1,
  created_at     DATETIME(6)   NOT NULL,
  updated_at     DATETIME(6)   NOT NULL,
  UNIQUE KEY uk_price_lists_code (code)
) ENGINE=InnoDB;

-- One list price (excluding VAT, per product unit) per product and list.
CREATE TABLE price_list_entries (
  price_list_id    BIGINT NOT NULL,
  product_id       BIGINT NOT NULL,
  list_price_minor BIGINT NOT NULL,
  PRIMARY KEY (price_list_id, product_id),
  KEY ix_price_entries_product (product_id, price_list_id)
) ENGINE=InnoDB;

-- The one company order policy (id = 1), stored as the serialized
-- sales.orders.v1.OrderPolicy message (limits, thresholds, calendar).
CREATE TABLE order_policy (
  id         TINYINT      NOT NULL PRIMARY KEY,
  policy_pb  LONGBLOB     NOT NULL,
  version    BIGINT       NOT NULL DEFAULT 1,
  updated_at DATETIME(6)  NOT NULL
) ENGINE=InnoDB;

-- Gapless document numbers per series and year ("SO", "QT", and the
-- fulfilment series). Incremented under the row lock inside the transaction
-- that creates the document, so a rolled-back document leaves no gap.
CREATE TABLE document_sequences (
  series      VARCHAR(16) NOT NULL,
  year        INT         NOT NULL,
  last_number BIGINT      NOT NULL,
  PRIMARY KEY (series, year)
) ENGINE=InnoDB;

-- Quotes (报价单/投标书).
CREATE TABLE quotes (
  id                       BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  quote_number             VARCHAR(32)   NOT NULL,
  customer_id              BIGINT        NOT NULL,     -- customers-svc id
  rep_id                   BIGINT        NOT NULL,     -- preparing rep (targets-svc id)
  org_unit_id              BIGINT        NOT NULL,     -- rep's unit at creation
  created_by_user          VARCHAR(64)   NOT NULL,     -- principal who created it (approvers may not be them)
  quote_date               DATE          NOT NULL,     -- prices taken for this date
  valid_until              DATE          NOT NULL,     -- last day it may convert, inclusive
  currency                 CHAR(3)       NOT NULL,
  lines_total_minor        BIGINT        NOT NULL,
  special_fees_total_minor BIGINT        NOT NULL,
  total_minor              BIGINT        NOT NULL,     -- lines + fees, compared with the director threshold
  status                   VARCHAR(24)   NOT NULL,     -- QuoteStatus name
  order_id                 BIGINT        NOT NULL DEFAULT 0,  -- order created on conversion
  status_reason            VARCHAR(1000) NOT NULL DEFAULT '',
  notes                    VARCHAR(2000) NOT NULL DEFAULT '',
  is_bid                   TINYINT       NOT NULL DEFAULT 0,
  version                  BIGINT        NOT NULL DEFAULT 1,
  created_at               DATETIME(6)   NOT NULL,
  updated_at               DATETIME(6)   NOT NULL,
  UNIQUE KEY uk_quotes_number (quote_number),
  KEY ix_quotes_customer (customer_id, id),
  KEY ix_quotes_rep (rep_id, id),
  KEY ix_quotes_status_valid (status, valid_until)
) ENGINE=InnoDB;

CREATE TABLE quote_lines (
  id                BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  quote_id          BIGINT       NOT NULL,
  line_no           INT          NOT NULL,
  product_id        BIGINT       NOT NULL,
  sku               VARCHAR(64)  NOT NULL,
  product_line_id   BIGINT       NOT NULL,
  quantity          BIGINT       NOT NULL,
  list_price_minor  BIGINT       NOT NULL,   -- in force on quote_date
  price_list_id     BIGINT       NOT NULL,   -- where list_price came from
  discount_bp       INT          NOT NULL,
  unit_price_minor  BIGINT       NOT NULL,   -- list × (10000 − discount) / 10000, half up
  net_amount_minor  BIGINT       NOT NULL,   -- quantity × unit_price
  required_approval VARCHAR(16)  NOT NULL,   -- ApprovalLevel name for this line alone
  UNIQUE KEY uk_quote_lines_no (quote_id, line_no)
) ENGINE=InnoDB;

-- Special fees (特殊费用) on quotes and orders; subject_type QUOTE | ORDER.
CREATE TABLE special_fees (
  id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  subject_type VARCHAR(16)   NOT NULL,
  subject_id   BIGINT        NOT NULL,
  description  VARCHAR(500)  NOT NULL,
  amount_minor BIGINT        NOT NULL,
  approved     TINYINT       NOT NULL DEFAULT 0,
  KEY ix_special_fees_subject (subject_type, subject_id, id)
) ENGINE=InnoDB;

-- Sales orders (销售合同/订单).
CREATE TABLE sales_orders (
  id                       BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_number             VARCHAR(32)   NOT NULL,   -- SO-YYYY-NNNNNN, gapless per year
  kind                     VARCHAR(16)   NOT NULL,   -- NORMAL | CORRECTION (负数订单)
  original_order_id        BIGINT        NOT NULL DEFAULT 0,  -- corrected order (CORRECTION only)
  quote_id                 BIGINT        NOT NULL DEFAULT 0,  -- source quote, 0 when direct
  customer_id              BIGINT        NOT NULL,   -- customers-svc id
  customer_name            VARCHAR(200)  NOT NULL DEFAULT '',  -- as at creation/confirmation
  customer_type            VARCHAR(32)   NOT NULL DEFAULT '',  -- CustomerType name
  taking_rep_id            BIGINT        NOT NULL,   -- rep who took the order
  taking_org_unit_id       BIGINT        NOT NULL DEFAULT 0,
  created_by_user          VARCHAR(64)   NOT NULL,   -- principal who entered it
  credited_rep_id          BIGINT        NOT NULL DEFAULT 0,  -- protecting owner at confirmation
  credited_org_unit_id     BIGINT        NOT NULL DEFAULT 0,
  region_org_unit_id       BIGINT        NOT NULL DEFAULT 0,
  ownership_collision      TINYINT       NOT NULL DEFAULT 0,  -- taking ≠ credited (撞单)
  order_date               DATE          NOT NULL,   -- lines priced for this date
  requested_delivery_date  DATE          NULL,
  ship_to_address          VARCHAR(500)  NOT NULL DEFAULT '',
  customer_reference       VARCHAR(100)  NOT NULL DEFAULT '',
  currency                 CHAR(3)       NOT NULL,
  deposit_minor            BIGINT        NOT NULL DEFAULT 0,  -- 订金 agreed, collected by finance
  lines_total_minor        BIGINT        NOT NULL,   -- Σ line net (negative on corrections)
  special_fees_total_minor BIGINT        NOT NULL DEFAULT 0,
  total_minor              BIGINT        NOT NULL,   -- order value for credit and reports (= lines_total)
  shipped_amount_minor     BIGINT        NOT NULL DEFAULT 0,  -- net shipped less returned (fulfilment keeps it)
  status                   VARCHAR(24)   NOT NULL,   -- OrderStatus name
  credit_check_pb          LONGBLOB      NULL,       -- last sales.orders.v1.CreditCheck, serialized
  confirm_time             DATETIME(6)   NULL,
  confirm_date             DATE          NULL,
  ship_due_date            DATE          NULL,       -- first shipment due by (policy working days)
  late                     TINYINT       NOT NULL DEFAULT 0,
  status_reason            VARCHAR(1000) NOT NULL DEFAULT '',
  release_reason           VARCHAR(1000) NOT NULL DEFAULT '',  -- set when released from CREDIT_HOLD
  notes                    VARCHAR(2000) NOT NULL DEFAULT '',
  version                  BIGINT        NOT NULL DEFAULT 1,
  created_at               DATETIME(6)   NOT NULL,
  updated_at               DATETIME(6)   NOT NULL,
  UNIQUE KEY uk_sales_orders_number (order_number),
  KEY ix_sales_orders_customer_status (customer_id, status),
  KEY ix_sales_orders_credited (credited_rep_id, id),
  KEY ix_sales_orders_taking (taking_rep_id, id),
  KEY ix_sales_orders_status (status, ship_due_date)
) ENGINE=InnoDB;

-- Order lines. Quantities are in the product's unit; on CORRECTION orders a
-- quantity (and its amounts) may be negative. shipped/delivered/returned are
-- maintained by fulfilment (outbound notes, receipts, return receipts);
-- reserved quantity is derived from reservations.
CREATE TABLE order_lines (
  id                 BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id           BIGINT       NOT NULL,
  line_no            INT          NOT NULL,
  product_id         BIGINT       NOT NULL,
  sku                VARCHAR(64)  NOT NULL,
  product_line_id    BIGINT       NOT NULL,
  unit               VARCHAR(16)  NOT NULL,
  commissionable     TINYINT      NOT NULL DEFAULT 0,
  quantity           BIGINT       NOT NULL,
  list_price_minor   BIGINT       NOT NULL,   -- in force on order_date
  price_list_id      BIGINT       NOT NULL,
  discount_bp        INT          NOT NULL,
  unit_price_minor   BIGINT       NOT NULL,
  net_amount_minor   BIGINT       NOT NULL,   -- quantity × unit_price (signed)
  unit_cost_minor    BIGINT       NOT NULL,   -- product cost at pricing/confirmation
  cost_amount_minor  BIGINT       NOT NULL,   -- quantity × unit_cost (signed)
  required_approval  VARCHAR(16)  NOT NULL,   -- ApprovalLevel name for this line alone
  shipped_quantity   BIGINT       NOT NULL DEFAULT 0,
  delivered_quantity BIGINT       NOT NULL DEFAULT 0,
  returned_quantity  BIGINT       NOT NULL DEFAULT 0,
  quote_line_id      BIGINT       NOT NULL DEFAULT 0,
  UNIQUE KEY uk_order_lines_no (order_id, line_no),
  KEY ix_order_lines_product (product_id)
) ENGINE=InnoDB;

-- Approval steps of quotes and orders (subject_type QUOTE | ORDER). One row per
-- step; decided_* empty while PENDING.
CREATE TABLE approval_steps (
  id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  subject_type    VARCHAR(32)   NOT NULL,
  subject_id      BIGINT        NOT NULL,
  level           VARCHAR(16)   NOT NULL,   -- MANAGER | DIRECTOR
  triggers        VARCHAR(200)  NOT NULL,   -- comma-separated ApprovalTrigger names
  line_ids        VARCHAR(1000) NOT NULL DEFAULT '',  -- comma-separated
  fee_ids         VARCHAR(1000) NOT NULL DEFAULT '',
  status          VARCHAR(16)   NOT NULL,   -- PENDING | APPROVED | REJECTED | WITHDRAWN
  requester_user  VARCHAR(64)   NOT NULL,
  requester_rep   BIGINT        NOT NULL DEFAULT 0,
  decided_user    VARCHAR(64)   NOT NULL DEFAULT '',
  decided_role    VARCHAR(32)   NOT NULL DEFAULT '',
  decided_rep     BIGINT        NOT NULL DEFAULT 0,
  decided_unit    BIGINT        NOT NULL DEFAULT 0,
  decided_at      DATETIME(6)   NULL,
  reason          VARCHAR(1000) NOT NULL DEFAULT '',
  requested_at    DATETIME(6)   NOT NULL,
  KEY ix_approval_steps_subject (subject_type, subject_id, id),
  KEY ix_approval_steps_pending (status, level, id)
) ENGINE=InnoDB;

-- Audit trail of every state change (who, when, from, to, why). subject_type
-- is the SubjectType name without prefix (QUOTE, ORDER, PRICE_LIST, ...).
CREATE TABLE audit_entries (
  id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  subject_type VARCHAR(32)   NOT NULL,
  subject_id   BIGINT        NOT NULL,
  at           DATETIME(6)   NOT NULL,
  actor_user   VARCHAR(64)   NOT NULL DEFAULT '',
  actor_role   VARCHAR(32)   NOT NULL DEFAULT '',
  actor_rep    BIGINT        NOT NULL DEFAULT 0,
  actor_unit   BIGINT        NOT NULL DEFAULT 0,
  action       VARCHAR(48)   NOT NULL,
  from_value   VARCHAR(500)  NOT NULL DEFAULT '',
  to_value     VARCHAR(500)  NOT NULL DEFAULT '',
  reason       VARCHAR(1000) NOT NULL DEFAULT '',
  request_id   VARCHAR(64)   NOT NULL DEFAULT '',
  KEY ix_audit_subject (subject_type, subject_id, id)
) ENGINE=InnoDB;

-- Finished-goods warehouses (成品仓库). kind REGULAR | QUARANTINE; only active
-- REGULAR warehouses are reserved from, lower allocation_priority first.
CREATE TABLE warehouses (
  id                  BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code                VARCHAR(32)   NOT NULL,
  name                VARCHAR(200)  NOT NULL,
  kind                VARCHAR(16)   NOT NULL,
  address             VARCHAR(500)  NOT NULL DEFAULT '',
  allocation_priority INT           NOT NULL DEFAULT 0,
  active              TINYINT       NOT NULL DEFAULT 1,
  version             BIGINT        NOT NULL DEFAULT 1,
  created_at          DATETIME(6)   NOT NULL,
  updated_at          DATETIME(6)   NOT NULL,
  UNIQUE KEY uk_warehouses_code (code)
) ENGINE=InnoDB;

-- On-hand and reserved per warehouse and product. on_hand is physical stock;
-- reserved is held for confirmed orders; available = on_hand − reserved.
-- The CHECK is the last line of defence: every writer also guards with a
-- conditional UPDATE, so a violation is a bug, never a normal outcome.
CREATE TABLE stock_levels (
  warehouse_id BIGINT      NOT NULL,
  product_id   BIGINT      NOT NULL,
  on_hand      BIGINT      NOT NULL DEFAULT 0,
  reserved     BIGINT      NOT NULL DEFAULT 0,
  version      BIGINT      NOT NULL DEFAULT 1,
  updated_at   DATETIME(6) NOT NULL,
  PRIMARY KEY (warehouse_id, product_id),
  KEY ix_stock_levels_product (product_id, warehouse_id),
  CONSTRAINT ck_stock_levels_bounds CHECK (reserved >= 0 AND on_hand >= 0 AND reserved <= on_hand)
) ENGINE=InnoDB;

-- Stock held for one order line in one warehouse. Open quantity =
-- quantity − shipped_quantity − released_quantity, and Σ open quantity over a
-- (warehouse, product) equals stock_levels.reserved.
-- status ACTIVE (open > 0) | CONSUMED (fully shipped) | RELEASED (rest released).
CREATE TABLE reservations (
  id                BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id          BIGINT      NOT NULL,
  order_line_id     BIGINT      NOT NULL,
  warehouse_id      BIGINT      NOT NULL,
  product_id        BIGINT      NOT NULL,
  quantity          BIGINT      NOT NULL,
  shipped_quantity  BIGINT      NOT NULL DEFAULT 0,
  released_quantity BIGINT      NOT NULL DEFAULT 0,
  status            VARCHAR(16) NOT NULL,
  created_at        DATETIME(6) NOT NULL,
  updated_at        DATETIME(6) NOT NULL,
  KEY ix_reservations_order (order_id, order_line_id, warehouse_id),
  KEY ix_reservations_stock (warehouse_id, product_id, status),
  CONSTRAINT ck_reservations_bounds CHECK (shipped_quantity >= 0 AND released_quantity >= 0
                                           AND shipped_quantity + released_quantity <= quantity)
) ENGINE=InnoDB;

-- The stock ledger: one row per change of on_hand (receipt, adjustment,
-- shipment, return, transfer). kind is the StockMovementKind name without
-- prefix; adjustment_reason the StockAdjustmentReason name ('' otherwise).
CREATE TABLE stock_movements (
  id                BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  warehouse_id      BIGINT        NOT NULL,
  product_id        BIGINT        NOT NULL,
  kind              VARCHAR(16)   NOT NULL,
  quantity_delta    BIGINT        NOT NULL,
  on_hand_after     BIGINT        NOT NULL,
  adjustment_reason VARCHAR(24)   NOT NULL DEFAULT '',
  reason            VARCHAR(1000) NOT NULL DEFAULT '',
  reference         VARCHAR(100)  NOT NULL DEFAULT '',
  movement_date     DATE          NOT NULL,
  actor_user        VARCHAR(64)   NOT NULL DEFAULT '',
  actor_role        VARCHAR(32)   NOT NULL DEFAULT '',
  actor_rep         BIGINT        NOT NULL DEFAULT 0,
  actor_unit        BIGINT        NOT NULL DEFAULT 0,
  request_id        VARCHAR(64)   NOT NULL DEFAULT '',
  created_at        DATETIME(6)   NOT NULL,
  KEY ix_stock_movements_stock (warehouse_id, product_id, id),
  KEY ix_stock_movements_product (product_id, id)
) ENGINE=InnoDB;
