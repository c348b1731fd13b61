-- An order line's active reservations are read by line: the reserved
-- quantity on every loaded order (a subquery per line) and the reservations
-- a shipment draws on, locked FOR UPDATE. Without this index each of those
-- scanned the whole reservations table — and, under FOR UPDATE, locked every
-- row it scanned — so the order path slowed as history grew and shipments
-- of unrelated orders waited on each other.
CREATE INDEX ix_reservations_line ON reservations (order_line_id, status);
