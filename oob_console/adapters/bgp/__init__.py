"""BGP adapters: the ExaBGP speaker, the management router, the journal, looking glasses."""
