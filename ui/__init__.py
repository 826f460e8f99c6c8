"""The Streamlit page (``streamlit run ui/app.py``) and its small helpers."""
