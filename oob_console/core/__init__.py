"""Pure decision logic: standard library only, no I/O.

Everything here takes values and returns values (a decision with reasons, a
verification report). tests/unit/test_layering.py fails if a module in this
package imports anything outside the standard library.
"""
