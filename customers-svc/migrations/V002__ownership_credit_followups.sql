-- Customers' full record, ownership history, audit, contacts, family links,
-- follow-ups, credit profile/holds/investigations, collisions, hand-overs
-- and referrals (domain.md §4).

-- protection_base_date: the business day protection counts from (the last
-- follow-up, the registration or the claim/transfer). A prospect is protected
-- through protection_base_date + window; the lapse sweep reads the index
-- (status, protection_base_date) so it touches only the lapsed ones.
ALTER TABLE customers
  ADD COLUMN demand_grade            TINYINT       NOT NULL DEFAULT 0,
  ADD COLUMN notes                   VARCHAR(2000) NOT NULL DEFAULT '',
  ADD COLUMN primary_customer_id     BIGINT        NULL,
  ADD COLUMN protection_base_date    DATE          NULL,
  ADD COLUMN last_follow_up_date     DATE          NULL,
  ADD COLUMN first_purchase_date     DATE          NULL,
  ADD COLUMN last_purchase_date      DATE          NULL,
  ADD COLUMN referrer_customer_id    BIGINT        NULL,
  ADD COLUMN pool_entry_time         DATETIME(6)   NULL,
  ADD COLUMN previous_owner_rep_id   BIGINT        NULL,
  ADD COLUMN blacklist_reason        VARCHAR(500)  NOT NULL DEFAULT '',
  ADD COLUMN status_before_blacklist TINYINT       NULL,
  ADD COLUMN lead_id                 BIGINT        NULL,
  ADD COLUMN registered_by_user      VARCHAR(64)   NOT NULL DEFAULT '',
  ADD COLUMN registered_by_role      VARCHAR(32)   NOT NULL DEFAULT '',
  ADD COLUMN registered_by_rep       BIGINT        NOT NULL DEFAULT 0,
  ADD KEY ix_customers_lapse (status, protection_base_date),
  ADD KEY ix_customers_pool (owner_rep_id, pool_entry_time),
  ADD KEY ix_customers_primary (primary_customer_id),
  ADD KEY ix_customers_dormancy (status, last_purchase_date);

-- One row per interval of ownership; end_time NULL while current. The
-- evidence for attribution (客户登记表是判断业绩归属的唯一依据).
CREATE TABLE ownership_records (
  id                  BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id         BIGINT        NOT NULL,
  from_rep_id         BIGINT        NOT NULL DEFAULT 0,
  to_rep_id           BIGINT        NOT NULL DEFAULT 0,
  kind                TINYINT       NOT NULL,
  effective_time      DATETIME(6)   NOT NULL,
  end_time            DATETIME(6)   NULL,
  reason              VARCHAR(500)  NOT NULL DEFAULT '',
  actor_user          VARCHAR(64)   NOT NULL DEFAULT '',
  actor_role          VARCHAR(32)   NOT NULL DEFAULT '',
  actor_rep           BIGINT        NOT NULL DEFAULT 0,
  handover_id         BIGINT        NOT NULL DEFAULT 0,
  last_follow_up_date DATE          NULL,
  KEY ix_ownership_customer (customer_id, id)
) ENGINE=InnoDB;

-- Who, when, from, to, why, for every state change of a customer.
CREATE TABLE customer_audit (
  id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT        NOT NULL,
  at          DATETIME(6)   NOT NULL,
  actor_user  VARCHAR(64)   NOT NULL DEFAULT '',
  actor_role  VARCHAR(32)   NOT NULL DEFAULT '',
  actor_rep   BIGINT        NOT NULL DEFAULT 0,
  actor_unit  BIGINT        NOT NULL DEFAULT 0,
  action      VARCHAR(48)   NOT NULL,
  from_value  VARCHAR(500)  NOT NULL DEFAULT '',
  to_value    VARCHAR(500)  NOT NULL DEFAULT '',
  reason      VARCHAR(1000) NOT NULL DEFAULT '',
  request_id  VARCHAR(64)   NOT NULL DEFAULT '',
  KEY ix_audit_customer (customer_id, id)
) ENGINE=InnoDB;

CREATE TABLE contacts (
  id               BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id      BIGINT        NOT NULL,
  name             VARCHAR(100)  NOT NULL,
  title            VARCHAR(100)  NOT NULL DEFAULT '',
  phone            VARCHAR(40)   NOT NULL DEFAULT '',
  normalized_phone VARCHAR(20)   NOT NULL DEFAULT '',
  email            VARCHAR(200)  NOT NULL DEFAULT '',
  im_id            VARCHAR(100)  NOT NULL DEFAULT '',
  is_primary       TINYINT       NOT NULL DEFAULT 0,
  notes            VARCHAR(1000) NOT NULL DEFAULT '',
  version          BIGINT        NOT NULL DEFAULT 1,
  created_at       DATETIME(6)   NOT NULL,
  updated_at       DATETIME(6)   NOT NULL,
  KEY ix_contacts_customer (customer_id, id),
  KEY ix_contacts_phone (normalized_phone)
) ENGINE=InnoDB;

-- A member belongs to at most one primary (unique member).
CREATE TABLE family_links (
  id                  BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  primary_customer_id BIGINT       NOT NULL,
  member_customer_id  BIGINT       NOT NULL,
  relation            TINYINT      NOT NULL,
  reason              VARCHAR(500) NOT NULL,
  actor_user          VARCHAR(64)  NOT NULL DEFAULT '',
  actor_role          VARCHAR(32)  NOT NULL DEFAULT '',
  actor_rep           BIGINT       NOT NULL DEFAULT 0,
  created_at          DATETIME(6)  NOT NULL,
  member_owner_before BIGINT       NULL,
  UNIQUE KEY uk_family_member (member_customer_id),
  KEY ix_family_primary (primary_customer_id)
) ENGINE=InnoDB;

CREATE TABLE follow_ups (
  id                  BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id         BIGINT        NOT NULL,
  rep_id              BIGINT        NOT NULL,
  org_unit_id         BIGINT        NOT NULL DEFAULT 0,
  date                DATE          NOT NULL,
  channel             TINYINT       NOT NULL,
  content             TEXT          NOT NULL,
  intent_level        TINYINT       NOT NULL,
  next_step           VARCHAR(500)  NOT NULL DEFAULT '',
  next_step_date      DATE          NULL,
  market_note         VARCHAR(2000) NOT NULL DEFAULT '',
  contact_id          BIGINT        NOT NULL DEFAULT 0,
  extended_protection TINYINT       NOT NULL DEFAULT 0,
  protected_until     DATE          NULL,
  created_at          DATETIME(6)   NOT NULL,
  KEY ix_follow_ups_customer (customer_id, date),
  KEY ix_follow_ups_rep (rep_id, date),
  KEY ix_follow_ups_date (date)
) ENGINE=InnoDB;

-- A family member has no row of its own: it reads its primary's.
CREATE TABLE credit_profiles (
  customer_id               BIGINT      NOT NULL PRIMARY KEY,
  credit_limit              BIGINT      NOT NULL DEFAULT 0,
  currency                  CHAR(3)     NOT NULL DEFAULT 'CNY',
  payment_terms_days        INT         NOT NULL DEFAULT 0,
  rating                    TINYINT     NOT NULL DEFAULT 0,
  last_investigation_date   DATE        NULL,
  last_investigation_method TINYINT     NOT NULL DEFAULT 0,
  version                   BIGINT      NOT NULL DEFAULT 1,
  updated_at                DATETIME(6) NOT NULL
) ENGINE=InnoDB;

-- Every hold ever set. A customer is on hold while any row is active;
-- finance's holds are keyed by finance's hold id so a redelivered event
-- changes nothing.
CREATE TABLE credit_holds (
  id                 BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id        BIGINT        NOT NULL,
  source             TINYINT       NOT NULL,
  reason             VARCHAR(1000) NOT NULL,
  set_by_user        VARCHAR(64)   NOT NULL DEFAULT '',
  set_by_role        VARCHAR(32)   NOT NULL DEFAULT '',
  set_by_rep         BIGINT        NOT NULL DEFAULT 0,
  set_at             DATETIME(6)   NOT NULL,
  collection_case_id BIGINT        NOT NULL DEFAULT 0,
  finance_hold_id    BIGINT        NULL,
  active             TINYINT       NOT NULL DEFAULT 1,
  released_at        DATETIME(6)   NULL,
  released_by_user   VARCHAR(64)   NOT NULL DEFAULT '',
  release_reason     VARCHAR(1000) NOT NULL DEFAULT '',
  UNIQUE KEY uk_credit_holds_finance (finance_hold_id),
  KEY ix_credit_holds_customer (customer_id, active),
  KEY ix_credit_holds_active (active, set_at)
) ENGINE=InnoDB;

CREATE TABLE credit_investigations (
  id                BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id       BIGINT        NOT NULL,
  date              DATE          NOT NULL,
  method            TINYINT       NOT NULL,
  rating            TINYINT       NOT NULL,
  investigator      VARCHAR(200)  NOT NULL DEFAULT '',
  findings          TEXT          NOT NULL,
  recommended_limit BIGINT        NULL,
  currency          CHAR(3)       NOT NULL DEFAULT 'CNY',
  actor_user        VARCHAR(64)   NOT NULL DEFAULT '',
  actor_role        VARCHAR(32)   NOT NULL DEFAULT '',
  actor_rep         BIGINT        NOT NULL DEFAULT 0,
  created_at        DATETIME(6)   NOT NULL,
  KEY ix_investigations_customer (customer_id, id)
) ENGINE=InnoDB;

-- 撞单: one per order.
CREATE TABLE collisions (
  id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id     BIGINT        NOT NULL,
  order_id        BIGINT        NOT NULL,
  order_date      DATE          NOT NULL,
  order_amount    BIGINT        NOT NULL DEFAULT 0,
  currency        CHAR(3)       NOT NULL DEFAULT 'CNY',
  owner_rep_id    BIGINT        NOT NULL,
  taking_rep_id   BIGINT        NOT NULL,
  credited_rep_id BIGINT        NOT NULL,
  org_unit_id     BIGINT        NOT NULL DEFAULT 0,
  status          TINYINT       NOT NULL,
  review_note     VARCHAR(1000) NOT NULL DEFAULT '',
  reviewer_user   VARCHAR(64)   NOT NULL DEFAULT '',
  reviewer_role   VARCHAR(32)   NOT NULL DEFAULT '',
  reviewer_rep    BIGINT        NOT NULL DEFAULT 0,
  created_at      DATETIME(6)   NOT NULL,
  reviewed_at     DATETIME(6)   NULL,
  version         BIGINT        NOT NULL DEFAULT 1,
  UNIQUE KEY uk_collisions_order (order_id),
  KEY ix_collisions_unit (org_unit_id, id)
) ENGINE=InnoDB;

CREATE TABLE handovers (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  from_rep_id    BIGINT       NOT NULL,
  to_rep_ids     VARCHAR(500) NOT NULL,
  reason         VARCHAR(500) NOT NULL,
  customer_count INT          NOT NULL,
  actor_user     VARCHAR(64)  NOT NULL DEFAULT '',
  actor_role     VARCHAR(32)  NOT NULL DEFAULT '',
  actor_rep      BIGINT       NOT NULL DEFAULT 0,
  created_at     DATETIME(6)  NOT NULL,
  KEY ix_handovers_from (from_rep_id, id)
) ENGINE=InnoDB;

CREATE TABLE referrals (
  id                   BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  referrer_customer_id BIGINT       NOT NULL,
  referrer_rep_id      BIGINT       NOT NULL DEFAULT 0,
  referred_name        VARCHAR(200) NOT NULL,
  referred_phone       VARCHAR(20)  NOT NULL,
  expected_visit_date  DATE         NULL,
  referred_customer_id BIGINT       NOT NULL DEFAULT 0,
  status               TINYINT      NOT NULL,
  register_time        DATETIME(6)  NOT NULL,
  first_visit_time     DATETIME(6)  NULL,
  actor_user           VARCHAR(64)  NOT NULL DEFAULT '',
  actor_role           VARCHAR(32)  NOT NULL DEFAULT '',
  actor_rep            BIGINT       NOT NULL DEFAULT 0,
  version              BIGINT       NOT NULL DEFAULT 1,
  KEY ix_referrals_phone (referred_phone, status),
  KEY ix_referrals_referrer (referrer_customer_id, id)
) ENGINE=InnoDB;

-- Orders already counted for first purchase / dormancy revival and
-- collisions (the orders feed is at-least-once; the consumer dedupes by
-- event id too, this keeps an order from counting twice through two
-- different events).
CREATE TABLE customer_orders_seen (
  order_id    BIGINT NOT NULL PRIMARY KEY,
  customer_id BIGINT NOT NULL,
  order_date  DATE   NOT NULL
) ENGINE=InnoDB;
