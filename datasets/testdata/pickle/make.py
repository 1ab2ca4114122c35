# Writes the user_gender.npy fixtures of datasets/pickle_test.go the way the
# reference implementation does: np.save of a Python dict user -> label
# (a 0-d object array, pickled). Run with Debian's python3-numpy:
#   /usr/bin/python3 make.py
import numpy as np

# str labels, int keys (the reference's ML-100K/ML-1M bundles).
np.save("str_labels.npy", {0: "M", 1: "F", 2: "M", 3: "F"})
# numpy integer keys and labels (a dict built from a pandas column).
np.save("numpy_int_labels.npy", {np.int64(k): np.int64(v) for k, v in [(3, 1), (0, 0), (2, 0), (1, 1)]})
# numpy str labels ('m'/'f' as in LFM-2B) and bool labels.
np.save("numpy_str_labels.npy", {0: np.str_("m"), 1: np.str_("f"), 2: np.str_("f"), 3: np.str_("m")})
np.save("bool_labels.npy", {0: True, 1: False, 2: np.bool_(True), 3: np.bool_(False)})
# Not a dict: a 1-D object array of labels.
np.save("object_list.npy", np.array(["M", "F"], dtype=object))
# A missing user (3) and an unknown one (9).
np.save("missing_user.npy", {0: "M", 1: "F", 2: "M"})
np.save("unknown_user.npy", {0: "M", 1: "F", 2: "M", 3: "F", 9: "M"})
