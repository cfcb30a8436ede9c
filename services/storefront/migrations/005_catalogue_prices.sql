-- Prices change (staff, the back office); the catalogue cache holds each product with the version of
-- its price, so an older write never overwrites a newer one.
ALTER TABLE products ADD COLUMN price_version INT NOT NULL DEFAULT 1;

-- Every price a product has had and when: the audit compares what an order was charged with the
-- price in force when it was placed. valid_until is NULL for the current price.
CREATE TABLE price_history (
  product_id INT NOT NULL,
  version INT NOT NULL,
  price_cents INT NOT NULL,
  valid_from TIMESTAMP(3) NOT NULL,
  valid_until TIMESTAMP(3) NULL,
  PRIMARY KEY (product_id, version)
);

-- Orders found charged at a price the catalogue no longer had (the price audit), and what the shop
-- decided about each: NULL while open; 'honoured' when the shop keeps the lower price it charged.
CREATE TABLE mispriced_orders (
  order_id CHAR(36) PRIMARY KEY,
  charged_cents INT NOT NULL,
  catalogue_cents INT NOT NULL,
  found_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  decision ENUM('honoured') NULL,
  decided_at TIMESTAMP(3) NULL
);

-- The price audit reads the last minutes of checkout orders every few seconds. The sales report
-- (lab 1) filters on status and reads every month, so this index leaves its scan as it was.
ALTER TABLE orders ADD KEY orders_recent (origin, created_at);
