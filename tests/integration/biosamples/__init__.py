"""Integration tests of the local BioSamples stand-in and the BioSamples client."""
