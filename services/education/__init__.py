"""Education sector: preschool and grade-1 enrolment."""
