"""Operations: powertools Logger, Metrics and Tracer, and the one enum of metric names."""
