"""What an index folder holds and how it is read: versions and the catalogue, FAISS and BM25
files, the Milvus collection, and the two rankings a search fuses. Knows nothing of queries."""
