-- A customer contact's e-mail (issue 20): the service report goes to it
-- when a request closes and e-mail is configured. '' = none; the API
-- accepts only a plain address (core/email.c) and masks it like the phone.
ALTER TABLE customer_contacts ADD COLUMN email TEXT NOT NULL DEFAULT ''
	CHECK (length(email) <= 254);
