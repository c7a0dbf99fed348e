ALTER TABLE courier_messages
    ADD COLUMN request_headers JSON;