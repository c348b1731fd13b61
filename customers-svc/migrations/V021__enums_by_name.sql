-- States and kinds stored by name (issue 15), as orders-svc stores them:
-- the proto enum value's name without its prefix ('PROSPECT' for
-- CUSTOMER_STATUS_PROSPECT; platform/enum_names.h), readable in SQL and
-- stable when values are added. The owed-turn kind has no proto enum: its
-- names are those of OwedTurnKind (domain/rotation.h).
--
-- Both sides' tables change here, so this runs after V020. MODIFY turns the
-- stored numbers into their text ('3'); the UPDATE that follows renames them,
-- by the numbers of protos/sales/customers/v1 (and 1 = banked, 2 = make-up for
-- owed turns). A value no enum knows is left as it is. MODIFY restates the
-- whole column, so the columns that had DEFAULT 0 get DEFAULT 'UNSPECIFIED'
-- in it (left out, the default is dropped; restated as 0, it would be '0').
-- Indexes on these columns follow the column.

ALTER TABLE customers
  MODIFY type                    VARCHAR(32) NOT NULL,
  MODIFY status                  VARCHAR(32) NOT NULL,
  MODIFY demand_grade            VARCHAR(32) NOT NULL DEFAULT 'UNSPECIFIED',
  MODIFY status_before_blacklist VARCHAR(32) NULL;
UPDATE customers SET
    type = CASE type
        WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'END_CUSTOMER' WHEN '2' THEN 'DISTRIBUTOR' WHEN '3' THEN 'WHOLESALER' WHEN '4' THEN 'OUTLET_KA' WHEN '5' THEN 'OUTLET_A' WHEN '6' THEN 'OUTLET_B' WHEN '7' THEN 'OUTLET_C' WHEN '8' THEN 'COMMUNITY_STATION' ELSE
            type END,
    status = CASE status
        WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'PROSPECT' WHEN '2' THEN 'ACTIVE' WHEN '3' THEN 'DORMANT' WHEN '4' THEN 'BLACKLISTED' ELSE
            status END,
    demand_grade = CASE demand_grade
        WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'A' WHEN '2' THEN 'B' WHEN '3' THEN 'C' ELSE demand_grade END,
    status_before_blacklist = CASE status_before_blacklist
        WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'PROSPECT' WHEN '2' THEN 'ACTIVE' WHEN '3' THEN 'DORMANT' WHEN '4' THEN 'BLACKLISTED' ELSE
            status_before_blacklist END;

ALTER TABLE ownership_records MODIFY kind VARCHAR(32) NOT NULL;
UPDATE ownership_records SET kind = CASE kind
    WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'REGISTERED' WHEN '2' THEN 'ROTATION_ASSIGNED' WHEN '3' THEN 'LAPSED' WHEN '4' THEN 'CLAIMED' WHEN '5' THEN 'TRANSFERRED' WHEN '6' THEN 'HANDED_OVER' WHEN '7' THEN 'REASSIGNED' WHEN '8' THEN 'FAMILY_LINKED' WHEN '9' THEN 'RELEASED' ELSE
        kind END;

ALTER TABLE family_links MODIFY relation VARCHAR(32) NOT NULL;
UPDATE family_links SET relation = CASE relation
    WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'SPOUSE' WHEN '2' THEN 'PARENT' WHEN '3' THEN 'CHILD' ELSE relation END;

ALTER TABLE follow_ups MODIFY channel VARCHAR(32) NOT NULL, MODIFY intent_level VARCHAR(32) NOT NULL;
UPDATE follow_ups SET channel = CASE channel
    WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'VISIT' WHEN '2' THEN 'PHONE' WHEN '3' THEN 'MESSAGE' WHEN '4' THEN 'EMAIL' ELSE
        channel END,
                      intent_level = CASE intent_level
                          WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'LOW' WHEN '2' THEN 'MEDIUM' WHEN '3' THEN 'HIGH' ELSE
                              intent_level END;

ALTER TABLE credit_profiles MODIFY rating VARCHAR(32) NOT NULL DEFAULT 'UNSPECIFIED', MODIFY last_investigation_method
    VARCHAR(32) NOT NULL DEFAULT 'UNSPECIFIED';
UPDATE credit_profiles SET
    rating = CASE rating
        WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'AAA' WHEN '2' THEN 'AA' WHEN '3' THEN 'A' WHEN '4' THEN 'B' WHEN '5' THEN 'C' ELSE
            rating END,
    last_investigation_method = CASE last_investigation_method
        WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'INTERNAL' WHEN '2' THEN 'EXTERNAL_AGENCY' WHEN '3' THEN 'COMBINED' ELSE
            last_investigation_method END;

ALTER TABLE credit_holds MODIFY source VARCHAR(32) NOT NULL;
UPDATE credit_holds SET source = CASE source
    WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'FINANCE' WHEN '2' THEN 'MANAGER' WHEN '3' THEN 'COLLECTIONS' ELSE source
        END;

ALTER TABLE credit_investigations MODIFY method VARCHAR(32) NOT NULL, MODIFY rating VARCHAR(32) NOT NULL;
UPDATE credit_investigations SET
    method = CASE method
        WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'INTERNAL' WHEN '2' THEN 'EXTERNAL_AGENCY' WHEN '3' THEN 'COMBINED' ELSE
            method END,
    rating = CASE rating
        WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'AAA' WHEN '2' THEN 'AA' WHEN '3' THEN 'A' WHEN '4' THEN 'B' WHEN '5' THEN 'C' ELSE
            rating END;

ALTER TABLE collisions MODIFY status VARCHAR(32) NOT NULL;
UPDATE collisions SET status = CASE status
    WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'OPEN' WHEN '2' THEN 'UPHELD' WHEN '3' THEN 'OVERRULED' ELSE status END;

ALTER TABLE referrals MODIFY status VARCHAR(32) NOT NULL;
UPDATE referrals SET status = CASE status
    WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'PENDING' WHEN '2' THEN 'COUNTED' WHEN '3' THEN 'NOT_COUNTED' WHEN '4' THEN 'CANCELLED' ELSE
        status END;

ALTER TABLE rotation_owed_turns MODIFY kind VARCHAR(32) NOT NULL;
UPDATE rotation_owed_turns SET kind = CASE kind WHEN '1' THEN 'BANKED' WHEN '2' THEN 'MAKE_UP' ELSE kind END;

ALTER TABLE rep_absences MODIFY kind VARCHAR(32) NOT NULL;
UPDATE rep_absences SET kind =
    CASE kind WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'PERSONAL' WHEN '2' THEN 'COMPANY' ELSE kind END;

ALTER TABLE leads MODIFY channel VARCHAR(32) NOT NULL, MODIFY outcome VARCHAR(32) NOT NULL,
    MODIFY turn_outcome VARCHAR(32) NOT NULL DEFAULT 'UNSPECIFIED',
    MODIFY customer_type VARCHAR(32) NOT NULL DEFAULT 'UNSPECIFIED';
UPDATE leads SET channel =
    CASE channel WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'WALK_IN' WHEN '2' THEN 'HOTLINE' ELSE channel END,
                 outcome = CASE outcome
                     WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'ASSIGNED_BY_ROTATION' WHEN '2' THEN 'ASSIGNED_BY_MAKE_UP_TURN' WHEN '3' THEN 'ASSIGNED_BY_BANKED_TURN' WHEN '4' THEN 'ROUTED_TO_OWNER' WHEN '5' THEN 'POOL_CUSTOMER_ASSIGNED' WHEN '6' THEN 'REASSIGNED' WHEN '7' THEN 'MARKET_SURVEY' ELSE
                         outcome END,
                 turn_outcome = CASE turn_outcome
                     WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'ASSIGNED_BY_ROTATION' WHEN '2' THEN 'ASSIGNED_BY_MAKE_UP_TURN' WHEN '3' THEN 'ASSIGNED_BY_BANKED_TURN' WHEN '4' THEN 'ROUTED_TO_OWNER' WHEN '5' THEN 'POOL_CUSTOMER_ASSIGNED' WHEN '6' THEN 'REASSIGNED' WHEN '7' THEN 'MARKET_SURVEY' ELSE turn_outcome
                         END,
                 customer_type = CASE customer_type
                     WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'END_CUSTOMER' WHEN '2' THEN 'DISTRIBUTOR' WHEN '3' THEN 'WHOLESALER' WHEN '4' THEN 'OUTLET_KA' WHEN '5' THEN 'OUTLET_A' WHEN '6' THEN 'OUTLET_B' WHEN '7' THEN 'OUTLET_C' WHEN '8' THEN 'COMMUNITY_STATION' ELSE
                         customer_type END;

ALTER TABLE market_survey_reports MODIFY status VARCHAR(32) NOT NULL;
UPDATE market_survey_reports SET status = CASE status
    WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'PENDING' WHEN '2' THEN 'APPROVED' WHEN '3' THEN 'REJECTED' ELSE status
        END;

ALTER TABLE reception_calls MODIFY kind VARCHAR(32) NOT NULL;
UPDATE reception_calls SET kind = CASE kind
    WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'NEW_CUSTOMER' WHEN '2' THEN 'EXISTING_CUSTOMER' WHEN '3' THEN 'OTHER' ELSE
        kind END;

ALTER TABLE complaints MODIFY category VARCHAR(32) NOT NULL, MODIFY severity VARCHAR(32) NOT NULL,
    MODIFY status VARCHAR(32) NOT NULL;
UPDATE complaints SET
    category = CASE category
        WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'PRODUCT_QUALITY' WHEN '2' THEN 'DELIVERY' WHEN '3' THEN 'BILLING' WHEN '4' THEN 'SERVICE' WHEN '5' THEN 'SUGGESTION' WHEN '6' THEN 'OTHER' ELSE
            category END,
    severity = CASE severity
        WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'MINOR' WHEN '2' THEN 'MAJOR' WHEN '3' THEN 'SERIOUS' ELSE severity
            END,
    status = CASE status
        WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'OPEN' WHEN '2' THEN 'IN_PROGRESS' WHEN '3' THEN 'ESCALATED' WHEN '4' THEN 'RESOLVED' WHEN '5' THEN 'CLOSED' ELSE
            status END;

ALTER TABLE complaint_history MODIFY from_status VARCHAR(32) NOT NULL, MODIFY to_status VARCHAR(32) NOT NULL;
UPDATE complaint_history SET
    from_status = CASE from_status
        WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'OPEN' WHEN '2' THEN 'IN_PROGRESS' WHEN '3' THEN 'ESCALATED' WHEN '4' THEN 'RESOLVED' WHEN '5' THEN 'CLOSED' ELSE
            from_status END,
    to_status = CASE to_status
        WHEN '0' THEN 'UNSPECIFIED' WHEN '1' THEN 'OPEN' WHEN '2' THEN 'IN_PROGRESS' WHEN '3' THEN 'ESCALATED' WHEN '4' THEN 'RESOLVED' WHEN '5' THEN 'CLOSED' ELSE
            to_status END;
