CREATE TABLE users (
  id INT AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(255) NOT NULL UNIQUE,
  name VARCHAR(255) NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
);

CREATE TABLE products (
  id INT AUTO_INCREMENT PRIMARY KEY,
  sku VARCHAR(64) NOT NULL UNIQUE,
  name VARCHAR(255) NOT NULL,
  price_cents INT NOT NULL
);

-- No index on created_at or status: the sales report scans every order, which is what makes it
-- heavy as the shop grows (the cascading-failure lab depends on it).
CREATE TABLE orders (
  id CHAR(36) PRIMARY KEY,
  user_id INT NOT NULL,
  status ENUM('PENDING', 'PAID', 'FAILED') NOT NULL,
  total_cents INT NOT NULL,
  payment_id CHAR(36) NULL,
  failure_reason VARCHAR(255) NULL,
  -- 'history' rows are seeded report data with no payment behind them; audits skip them.
  origin ENUM('checkout', 'history') NOT NULL DEFAULT 'checkout',
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY orders_user (user_id)
);

CREATE TABLE order_items (
  order_id CHAR(36) NOT NULL,
  product_id INT NOT NULL,
  quantity INT NOT NULL,
  price_cents INT NOT NULL,
  PRIMARY KEY (order_id, product_id)
);
