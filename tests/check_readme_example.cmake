# SPDX-License-Identifier: MIT
# Fails unless README.md shows the code between the "README example" markers of EXAMPLE as it is
# there (the test that compiles and runs it keeps it true; this keeps the README in step).
file(READ ${EXAMPLE} example)
file(READ ${README} readme)
string(FIND "${example}" "// --- README example begins ---\n" begin)
string(FIND "${example}" "// --- README example ends ---" end)
if(begin LESS 0 OR end LESS begin)
  message(FATAL_ERROR "${EXAMPLE}: no README example markers")
endif()
math(EXPR begin "${begin} + 33")  # past the marker line
math(EXPR length "${end} - ${begin}")
string(SUBSTRING "${example}" ${begin} ${length} code)
string(FIND "${readme}" "```cpp\n${code}```" found)
if(found LESS 0)
  message(FATAL_ERROR "README.md does not show the example of ${EXAMPLE} as it is there:\n${code}")
endif()
