"""An empty gunicorn settings file: ``roob run`` passes it so that gunicorn reads no
``./gunicorn.conf.py`` (the production settings of the project, say) by chance."""
