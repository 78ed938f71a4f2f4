"""Side-by-side benchmarks of Roob and other WSGI frameworks (not packaged).

    make bench        in-process table, router scaling, chart (a few minutes)
    make bench-e2e    each framework under gunicorn, loaded by wrk
    make bench-tfb    TechEmpower's six test types on PostgreSQL, under gunicorn and granian

See docs/performance.md for the results and how to read them.
"""
