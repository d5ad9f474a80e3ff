"""course_lib: the code of the course 'RAG vs Fine-Tuning, hands-on'.

One small module per lesson; notebooks explain and use these modules.
"""
__version__ = "0.1.0"
