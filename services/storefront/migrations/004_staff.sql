-- Staff read the sales report; customers do not. The lab seeds one staff member, staff@shop.test.
ALTER TABLE users ADD COLUMN role ENUM('customer', 'staff') NOT NULL DEFAULT 'customer';
