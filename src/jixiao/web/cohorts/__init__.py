"""The bureau's cut-off for a cohort (同批部门): the figures every ``cohort_rank`` item ranks a
department among, frozen once and stored (decision 0023, "The web side")."""
