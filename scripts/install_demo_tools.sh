echo "(demo tools: none yet)"
