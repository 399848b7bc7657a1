"""Mirror a connected business's FreshBooks data: full, incremental and one-object syncs."""
