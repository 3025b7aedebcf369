"""Reusable Keras layers (keras.ops only, registered serializable)."""
