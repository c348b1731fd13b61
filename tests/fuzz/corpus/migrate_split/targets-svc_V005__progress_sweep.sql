-- The daily progress sweep (RunDailyProgressSweep): what it last saw per
-- node, so a status is published only when it changes and a closed month's
-- attainment only once (and again only when the figures were restated).

-- Last status of a node (a rep, or a unit total with rep_id 0) for one month
-- of a plan. as_of is the sweep date that produced it: an older date swept
-- again later never overwrites a newer evaluation.
CREATE TABLE progress_status_last (
  plan_id      BIGINT      NOT NULL,
  rep_id       BIGINT      NOT NULL,
  org_unit_id  BIGINT      NOT NULL,
  month_start  DATE        NOT NULL,
  metric       TINYINT     NOT NULL,
  plan_version INT         NOT NULL,
  status       TINYINT     NOT NULL,
  as_of        DATE        NOT NULL,
  updated_at   DATETIME(6) NOT NULL,
  PRIMARY KEY (plan_id, rep_id, org_unit_id, month_start)
) ENGINE=InnoDB;

-- Monthly attainment as last published (MonthlyAttainmentEvent); revision
-- counts publications, 1 for the month's closing.
CREATE TABLE monthly_attainment_published (
  plan_id           BIGINT      NOT NULL,
  rep_id            BIGINT      NOT NULL,
  org_unit_id       BIGINT      NOT NULL,
  month_start       DATE        NOT NULL,
  metric            TINYINT     NOT NULL,
  plan_version      INT         NOT NULL,
  target            BIGINT      NOT NULL,
  actual            BIGINT      NOT NULL,
  ytd_target        BIGINT      NOT NULL,
  ytd_actual        BIGINT      NOT NULL,
  revision          INT         NOT NULL,
  published_at      DATETIME(6) NOT NULL,
  PRIMARY KEY (plan_id, rep_id, org_unit_id, month_start)
) ENGINE=InnoDB;

-- Business dates the sweep has run for (the CronJob may retry a date).
CREATE TABLE progress_sweeps (
  as_of          DATE         NOT NULL PRIMARY KEY,
  first_request  VARCHAR(64)  NOT NULL,
  run_count      INT          NOT NULL,
  first_swept_at DATETIME(6)  NOT NULL,
  last_swept_at  DATETIME(6)  NOT NULL
) ENGINE=InnoDB;
