# C types for a few loop variables of hits.py, read by Cython when setup.py compiles it
# (an "augmenting .pxd": hits.py itself stays plain Python). Token and character positions and counts are
# machine integers; everything else stays a Python object.
import cython

@cython.locals(n=cython.Py_ssize_t, count=cython.Py_ssize_t, repeats=cython.Py_ssize_t,
               first=cython.Py_ssize_t, stop=cython.Py_ssize_t, next_start=cython.Py_ssize_t)
cpdef tuple _counted(kept, starts, views, cfg)

@cython.locals(start=cython.Py_ssize_t, r=cython.Py_ssize_t, neg_end=cython.Py_ssize_t,
               end=cython.Py_ssize_t)
cpdef list _longest(matches, terms)
