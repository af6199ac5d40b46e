-- 0013 — customer search through a GiST trigram index.
--
-- The ranked search (GET /customers?q=) takes each kind of match's best
-- candidates in index order: word similarity by KNN (<<->), which GIN
-- cannot order by.  The GIN index stays for the substring (LIKE) matches.
CREATE INDEX customers_search_gist ON customers USING gist (search_text gist_trgm_ops);
