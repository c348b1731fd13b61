-- One row per customer that confirmation locks (SELECT … FOR UPDATE) before
-- it sums the customer's confirmed-but-unshipped orders: two orders of the
-- same customer confirmed at the same moment would otherwise each see the
-- other missing and together pass a credit limit that either alone fits.
CREATE TABLE customer_credit_locks (
  customer_id BIGINT NOT NULL PRIMARY KEY
) ENGINE=InnoDB;
