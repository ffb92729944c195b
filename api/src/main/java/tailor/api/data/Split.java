package tailor.api.data;

/** Which part of a dataset: the training examples or the held-out test examples. */
public enum Split {
  TRAIN,
  TEST;

  /** Lower-case name, as in file names and metrics ("train", "test"). */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
