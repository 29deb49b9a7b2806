"""numba kernels: plain arrays in, arrays out; each has a slow twin (scipy or Python) in the tests."""

from twin._lazy import export_lazily

export_lazily(__name__, {
    "twin.kernels.shortest_path": (
        "dijkstra", "many_to_many", "nearest_source", "path_links", "shortest_path_trees",
        "travel_time_matrix",
    ),
})

__all__ = [
    "dijkstra", "many_to_many", "nearest_source", "path_links", "shortest_path_trees", "travel_time_matrix",
]
